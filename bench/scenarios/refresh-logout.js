'use strict';
/**
 * Scenario 5: POST /auth/refresh and POST /auth/logout, the two endpoints
 * that write or read the database on every call, per database driver.
 * Refresh spreads over 1,000 sessions; logout consumes one session per
 * request, so each round logs in a fresh batch first (not measured) and
 * autocannon sends exactly that many logouts (`amount`), each token once.
 */
const { cannon } = require('../lib/load');
const { summary } = require('../lib/stats');
const { loginAll } = require('../lib/api');

async function run(ctx, target) {
  const { cfg, tmpDir, progress, tokenUsers, password } = ctx;
  const { label, url, refreshTokens } = target;
  const bodies = refreshTokens.map((t) => ({ refresh_token: t }));
  const refresh = [];
  const logout = [];
  progress.log(`scenario 5 (${label}): warm-up refresh and logout`);
  await cannon({ url, path: '/auth/refresh', method: 'POST', bodies, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
  progress.advance(cfg.warmupS * 1000);
  // Logout warm-up too: its first requests compile the write path and
  // prepare statements, which is not the steady state being measured.
  const warmSessions = await loginAll(url, tokenUsers.slice(0, 200), password, 8);
  await cannon({ url, path: '/auth/logout', method: 'POST', tokens: warmSessions.map((s) => s.access_token), connections: cfg.connections, amount: warmSessions.length }, tmpDir);
  for (let round = 1; round <= cfg.runs; round++) {
    progress.log(`scenario 5 (${label}): round ${round}/${cfg.runs}: refresh (${cfg.durationS} s)`);
    const r = await cannon({ url, path: '/auth/refresh', method: 'POST', bodies, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
    if (r.non2xx || r.errors) progress.log(`  warning: refresh ${JSON.stringify(r.statusCodes)}, ${r.errors} errors`);
    refresh.push(r);
    progress.advance(cfg.durationS * 1000);

    progress.log(`scenario 5 (${label}): round ${round}/${cfg.runs}: logging in ${cfg.logoutSessions} sessions to spend`);
    const names = Array.from({ length: cfg.logoutSessions }, (_, i) => tokenUsers[i % tokenUsers.length]);
    const sessions = await loginAll(url, names, password, 8);
    progress.advance(cfg.logoutSessions * 2);
    progress.log(`scenario 5 (${label}): round ${round}/${cfg.runs}: ${cfg.logoutSessions} logouts`);
    const l = await cannon({ url, path: '/auth/logout', method: 'POST', tokens: sessions.map((s) => s.access_token), connections: cfg.connections, amount: cfg.logoutSessions }, tmpDir);
    if (l.non2xx || l.errors) progress.log(`  warning: logout ${JSON.stringify(l.statusCodes)}, ${l.errors} errors`);
    logout.push(l);
    progress.advance(3000);
  }
  return {
    label,
    refresh: { rps: summary(refresh.map((r) => r.rps)), p99Ms: summary(refresh.map((r) => r.latency.p99)), failures: refresh.reduce((s, r) => s + r.non2xx + r.errors, 0) },
    logout: { rps: summary(logout.map((r) => r.rps)), p99Ms: summary(logout.map((r) => r.latency.p99)), failures: logout.reduce((s, r) => s + r.non2xx + r.errors, 0), requestsPerRound: cfg.logoutSessions },
  };
}

module.exports = { run };
