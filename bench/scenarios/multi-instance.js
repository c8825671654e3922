'use strict';
/**
 * Scenario 7: three instances on one database and one Redis, as a venue runs
 * them. Measures (a) the time from a REST logout on instance A to the close
 * (4002) of that token's socket on instance C, through Redis pub/sub, with
 * REVOCATION_SYNC_MS at its default, and (b) GET /auth/me throughput of a
 * fresh instance with REDIS_URL set against a fresh one without it, on the
 * same database, alternating runs, the three instances stopped by then (a
 * server with a history of logins and sockets reads slower than a fresh
 * one, which would be measured instead of Redis).
 */
const path = require('node:path');
const { forkTracked, spawnTracked, stopChild, freePort, sleep } = require('../lib/proc');
const { startApp } = require('../lib/app-server');
const { loginAll } = require('../lib/api');
const { cannon } = require('../lib/load');
const { summary, percentile } = require('../lib/stats');

const WARMUP_LOGOUTS = 3;

async function startRedis() {
  const port = await freePort();
  const child = spawnTracked('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const Redis = require('ioredis');
  for (let i = 0; i < 100; i++) {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { child, url: `redis://127.0.0.1:${port}` };
    } catch {
      probe.disconnect();
      await sleep(50);
    }
  }
  throw new Error('redis-server did not answer');
}

function ask(child, msg) {
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
    child.send(msg);
  });
}

async function run(ctx, { databaseUrl }) {
  const { cfg, tmpDir, progress, tokenUsers, password } = ctx;
  const redis = await startRedis();
  const withRedis = { REDIS_URL: redis.url };
  try {
    progress.log('scenario 7: starting three instances on one database and one Redis');
    const a = await startApp({ name: 'multi-a', tmpDir, databaseUrl, env: withRedis });
    const [b, c] = await Promise.all([
      startApp({ name: 'multi-b', tmpDir, databaseUrl, env: withRedis }),
      startApp({ name: 'multi-c', tmpDir, databaseUrl, env: withRedis }),
    ]);
    let logoutSamples;
    try {
      const count = cfg.wsLogouts + WARMUP_LOGOUTS;
      const sessions = await loginAll(a.url, tokenUsers.slice(0, count), password, 8);
      const client = forkTracked(path.join(__dirname, '..', 'clients', 'ws-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      try {
        await ask(client, { cmd: 'open', wsUrl: `ws://127.0.0.1:${c.port}/ws`, tokens: sessions.map((s) => s.access_token), perToken: 1, inFlight: 50 });
        progress.log(`scenario 7: ${count} logouts on A (${WARMUP_LOGOUTS} uncounted warm-up), timing the close of their sockets on C`);
        const { samples } = await ask(client, { cmd: 'logouts', httpUrl: a.url, indices: sessions.map((_, i) => i) });
        logoutSamples = samples.slice(WARMUP_LOGOUTS);
      } finally {
        client.send({ cmd: 'close' });
        await stopChild(client, 3000);
      }
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }

    progress.log('scenario 7: GET /auth/me with and without REDIS_URL, alternating');
    const shared = await startApp({ name: 'multi-redis', tmpDir, databaseUrl, env: withRedis });
    const plain = await startApp({ name: 'multi-plain', tmpDir, databaseUrl });
    const tokens = ctx.tokens;
    const rps = { redis: [], plain: [] };
    try {
      for (const server of [shared, plain])
        await cannon({ url: server.url, path: '/auth/me', tokens, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
      for (let round = 0; round < cfg.runs; round++) {
        // Alternate which goes first, so neither always runs on a warmer machine.
        const order = round % 2 === 0 ? [['redis', shared], ['plain', plain]] : [['plain', plain], ['redis', shared]];
        for (const [key, server] of order) {
          const r = await cannon({ url: server.url, path: '/auth/me', tokens, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
          rps[key].push(r.rps);
        }
      }
    } finally {
      await Promise.all([shared.stop(), plain.stop()]);
    }

    const closed = logoutSamples.filter((s) => s.ms !== null);
    const fromSend = closed.map((s) => s.ms);
    const afterAnswer = closed.map((s) => s.afterAnswerMs);
    const ratios = rps.redis.map((x, i) => x / rps.plain[i]);
    return {
      status: 'run',
      logouts: logoutSamples.length,
      notClosed: logoutSamples.length - closed.length,
      closeCodes: [...new Set(logoutSamples.flatMap((s) => s.codes))],
      logoutToCloseP50Ms: percentile(fromSend, 50),
      logoutToCloseP99Ms: percentile(fromSend, 99),
      answerToCloseP50Ms: percentile(afterAnswer, 50),
      answerToCloseP99Ms: percentile(afterAnswer, 99),
      meRpsWithRedis: summary(rps.redis),
      meRpsWithout: summary(rps.plain),
      meRatio: summary(ratios),
    };
  } finally {
    await stopChild(redis.child, 2000);
  }
}

module.exports = { run, startRedis };
