'use strict';
/**
 * Scenario 8: what the audit trail costs. Two fresh servers on two fresh
 * databases seeded alike, one with AUDIT=on (the default) and one with
 * AUDIT=off, take the same refresh load (-c 50 over 1,000 sessions) and the
 * same login storm (-c 16, real hashes), one after the other, alternating
 * which goes first each round. Each round gives an on/off ratio; comparing
 * within a round, rather than across two bench runs, keeps the machine's
 * drift out of a 5 % target.
 */
const { cannon } = require('../lib/load');
const { summary } = require('../lib/stats');
const { loginAll } = require('../lib/api');

const LOGIN_CONNECTIONS = 16;

async function run(ctx, { prepare, startApp }) {
  const { cfg, tmpDir, progress, tokenUsers, loginUsers, password } = ctx;
  const targets = {};
  for (const audit of ['on', 'off']) {
    const db = await prepare(`audit-${audit}`);
    const server = await startApp({ name: `app-audit-${audit}`, tmpDir, databaseUrl: db.serverUrl, env: { AUDIT: audit } });
    progress.log(`scenario 8: logging in ${tokenUsers.length} sessions on the AUDIT=${audit} server`);
    const sessions = await loginAll(server.url, tokenUsers, password, 4);
    targets[audit] = { server, bodies: sessions.map((s) => ({ refresh_token: s.refresh_token })) };
  }
  const loginBodies = loginUsers.map((username) => ({ username, password }));
  const rounds = [];
  try {
    for (const audit of ['on', 'off']) {
      progress.log(`scenario 8: warm-up on AUDIT=${audit}`);
      await cannon({ url: targets[audit].server.url, path: '/auth/refresh', method: 'POST', bodies: targets[audit].bodies, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
    }
    for (let round = 1; round <= cfg.runs; round++) {
      const order = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
      const row = {};
      for (const audit of order) {
        const { server, bodies } = targets[audit];
        progress.log(`scenario 8: round ${round}/${cfg.runs}: AUDIT=${audit}: refresh (${cfg.durationS} s), then logins -c ${LOGIN_CONNECTIONS} (${cfg.loginDurationS} s)`);
        const refresh = await cannon({ url: server.url, path: '/auth/refresh', method: 'POST', bodies, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
        const login = await cannon({ url: server.url, path: '/auth/login', method: 'POST', bodies: loginBodies, connections: LOGIN_CONNECTIONS, duration: cfg.loginDurationS, timeout: 30 }, tmpDir);
        for (const [what, r] of [['refresh', refresh], ['login', login]]) {
          const failures = r.errors + Object.entries(r.statusCodes).filter(([c]) => c !== '200' && c !== '503').reduce((s, [, n]) => s + n, 0);
          if (failures) progress.log(`  warning: ${what} on AUDIT=${audit}: ${JSON.stringify(r.statusCodes)}, ${r.errors} errors`);
        }
        row[audit] = { refreshRps: refresh.rps, refreshP99Ms: refresh.latency.p99, loginsPerS: login.rps };
        progress.advance((cfg.durationS + cfg.loginDurationS) * 1000);
      }
      rounds.push({ round, first: order[0], ...row });
    }
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.server.stop()));
  }
  const pick = (f) => summary(rounds.map(f));
  return {
    loginConnections: LOGIN_CONNECTIONS,
    refreshRpsOn: pick((r) => r.on.refreshRps),
    refreshRpsOff: pick((r) => r.off.refreshRps),
    refreshRatio: pick((r) => r.on.refreshRps / r.off.refreshRps),
    loginsPerSOn: pick((r) => r.on.loginsPerS),
    loginsPerSOff: pick((r) => r.off.loginsPerS),
    loginRatio: pick((r) => r.on.loginsPerS / r.off.loginsPerS),
    rounds,
  };
}

module.exports = { run };
