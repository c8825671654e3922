'use strict';
/**
 * Scenario 6: many authenticated WebSocket connections held open by a client
 * process (ws://host/ws?token=<access_token>): handshakes/s, server memory
 * per open socket, and the time from a REST logout to the close (code 4002)
 * of the sockets opened with that token while all the others stay open.
 *
 * The gateway is optional at this stage of the product: when the build has
 * no src/realtime code, or the server does not upgrade /ws, the scenario
 * reports "not run: gateway missing" and the rest of the bench stands.
 */
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require('ws');
const { forkTracked, rssBytes, sleep, stopChild } = require('../lib/proc');
const { summary, percentile } = require('../lib/stats');

const WARMUP_LOGOUTS = 3;

/** Whether the built server has any realtime code at all. */
function gatewayBuilt(root) {
  const dir = path.join(root, 'dist', 'src', 'realtime');
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.js'));
}

/** One handshake: 'ok', or why not (HTTP status / socket error). */
function probe(wsUrl, token) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`, { handshakeTimeout: 5000 });
    ws.once('open', () => { ws.terminate(); resolve('ok'); });
    ws.once('unexpected-response', (_q, res) => { resolve(`HTTP ${res.statusCode}`); ws.terminate(); });
    ws.once('error', (e) => resolve(e.code || e.message));
  });
}

function ask(child, msg) {
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
    child.send(msg);
  });
}

async function run(ctx, startWsServer) {
  const { cfg, progress, tokens, root } = ctx;
  if (!gatewayBuilt(root)) return { status: 'not run: gateway missing', reason: 'dist/src/realtime has no compiled gateway' };

  const dead = new Set(); // token indices logged out in earlier rounds
  const rounds = [];
  for (let round = 1; round <= cfg.wsRuns; round++) {
    // A fresh server per round: the "before" RSS of a server that already
    // held (and dropped) 10,000 sockets depends on when its GC runs, and
    // made the per-socket figure meaningless (even negative) in later rounds.
    const server = await startWsServer();
    const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
    const live = tokens.map((_, i) => i).filter((i) => !dead.has(i));
    try {
      const first = await probe(wsUrl, tokens[live[0]]);
      if (first !== 'ok') return { status: 'not run: gateway missing', reason: `a handshake to /ws with a valid token got ${first}` };
      const perToken = Math.ceil(cfg.wsSockets / live.length);
      await sleep(1000);
      const rssBefore = rssBytes(server.pid);
      const client = forkTracked(path.join(__dirname, '..', 'clients', 'ws-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      try {
        progress.log(`scenario 6: round ${round}/${cfg.wsRuns}: opening ${cfg.wsSockets} sockets (${perToken} per token, ${live.length} users)`);
        const opened = await ask(client, { cmd: 'open', wsUrl, tokens: live.map((i) => tokens[i]), perToken, total: cfg.wsSockets, inFlight: cfg.wsInFlight });
        progress.advance(5000);
        if (opened.failed) progress.log(`  warning: ${opened.failed} handshakes failed (first: ${opened.firstError})`);
        await sleep(2000); // let the server settle before reading its RSS
        const rssAfter = rssBytes(server.pid);
        // Distinct users' tokens, spread over the live list. The first
        // WARMUP_LOGOUTS are not counted: they pay for the first run of the
        // logout path on this server (JIT, prepared statements), not for
        // revocation reaching sockets. Kept in results.json as warmupMs.
        const count = Math.min(cfg.wsLogouts + WARMUP_LOGOUTS, live.length);
        const step = Math.max(1, Math.floor(live.length / count));
        const picks = Array.from({ length: count }, (_, k) => k * step);
        progress.log(`scenario 6: round ${round}/${cfg.wsRuns}: ${picks.length} REST logouts (${WARMUP_LOGOUTS} uncounted warm-up), timing the close of their sockets`);
        const { samples } = await ask(client, { cmd: 'logouts', httpUrl: server.url, indices: picks });
        for (const k of picks) dead.add(live[k]);
        progress.advance(picks.length * 40);
        const warmup = samples.slice(0, WARMUP_LOGOUTS);
        const counted = samples.slice(WARMUP_LOGOUTS);
        const times = counted.filter((s) => s.ms !== null).map((s) => s.ms);
        rounds.push({
          sockets: opened.opened,
          failed: opened.failed,
          handshakesPerS: opened.opened / (opened.ms / 1000),
          bytesPerSocket: (rssAfter - rssBefore) / Math.max(opened.opened, 1),
          rssBeforeMiB: rssBefore / 2 ** 20,
          rssAfterMiB: rssAfter / 2 ** 20,
          logoutToCloseP50Ms: percentile(times, 50),
          logoutToCloseP99Ms: percentile(times, 99),
          logoutToCloseMaxMs: times.length ? Math.max(...times) : NaN,
          logouts: counted.length,
          notClosed: samples.filter((s) => s.ms === null).length,
          logoutStatuses: [...new Set(samples.map((s) => s.status))],
          closeCodes: [...new Set(samples.flatMap((s) => s.codes))],
          warmupMs: warmup.map((s) => s.ms),
          samplesMs: counted.map((s) => s.ms),
        });
      } finally {
        client.send({ cmd: 'close' });
        await stopChild(client, 3000);
      }
    } finally {
      await server.stop();
    }
  }
  const pick = (k) => summary(rounds.map((r) => r[k]));
  return {
    status: 'run',
    socketsTarget: cfg.wsSockets,
    sockets: pick('sockets'),
    handshakesPerS: pick('handshakesPerS'),
    bytesPerSocket: pick('bytesPerSocket'),
    logoutToCloseP50Ms: pick('logoutToCloseP50Ms'),
    logoutToCloseP99Ms: pick('logoutToCloseP99Ms'),
    notClosed: rounds.reduce((s, r) => s + r.notClosed, 0),
    failedHandshakes: rounds.reduce((s, r) => s + r.failed, 0),
    rounds,
  };
}

module.exports = { run, gatewayBuilt };
