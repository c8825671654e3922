'use strict';
/**
 * Scenario 11: what @Idempotent() costs a write. The orders fixture's
 * `POST /orders` (`@Idempotent()`, `@RequireScope('trade')`) with a fresh
 * Idempotency-Key on every request, against `POST /orders-plain`, the same
 * source without the decorator (bench/servers/app-orders.js), on one server,
 * taking turns (the first to go alternates each round), so each round gives
 * a keyed/plain ratio. Twice: a server without REDIS_URL (keys in the
 * database's idempotency_records table) and one with a private Redis. Every
 * keyed request claims a new key and stores its answer: the cost of a first
 * request, the common case (a replay skips the handler and is cheaper).
 * Requests rotate over the 1,000 users' access tokens; the body is one valid
 * order. Target (issue 26): keyed ≥ 80 % of plain, both stores.
 */
const path = require('node:path');
const { cannon } = require('../lib/load');
const { summary } = require('../lib/stats');
const { stopChild } = require('../lib/proc');

const SERVER = path.join(__dirname, '..', 'servers', 'app-orders.js');
const BODY = { symbol: 'ACME', side: 'buy', quantity: 10 };
const ROUTES = { keyed: '/orders', plain: '/orders-plain' };

function failures(r) {
  return r.errors + Object.entries(r.statusCodes).filter(([code]) => code !== '201').reduce((sum, [, n]) => sum + n, 0);
}

/**
 * @param {object} ctx run.js's context (cfg, tmpDir, progress, tokens)
 * @param {{ prepare: (name: string) => Promise<{ serverUrl: string, kind: string }>, startApp: Function, startRedis: Function, databaseLabel: string }} o
 */
async function run(ctx, { prepare, startApp, startRedis, databaseLabel }) {
  const { cfg, tmpDir, progress, tokens } = ctx;
  const redis = await startRedis();
  const stores = [];
  try {
    for (const store of [
      { label: databaseLabel, env: {} },
      { label: 'Redis', env: { REDIS_URL: redis.url } },
    ]) {
      const db = await prepare(`idem-${store.label.toLowerCase()}`);
      const server = await startApp({ name: `app-orders-${store.label.toLowerCase()}`, tmpDir, databaseUrl: db.serverUrl, main: SERVER, env: store.env });
      const load = (which, duration) =>
        cannon({ url: server.url, path: ROUTES[which], method: 'POST', tokens, bodies: [BODY], idempotencyKeys: which === 'keyed', connections: cfg.connections, duration }, tmpDir);
      const rounds = [];
      try {
        progress.log(`scenario 11: ${store.label}: warm-up of POST /orders with and without @Idempotent()`);
        for (const which of ['keyed', 'plain']) {
          const r = await load(which, cfg.warmupS);
          if (failures(r)) throw new Error(`POST ${ROUTES[which]} (${store.label}) answered ${JSON.stringify(r.statusCodes)}, ${r.errors} errors`);
        }
        for (let round = 1; round <= cfg.runs; round++) {
          const order = round % 2 === 1 ? ['keyed', 'plain'] : ['plain', 'keyed'];
          const row = { round, first: order[0] };
          for (const which of order) {
            progress.log(`scenario 11: ${store.label}: round ${round}/${cfg.runs}: POST ${ROUTES[which]} (${cfg.durationS} s)`);
            const r = await load(which, cfg.durationS);
            if (failures(r)) progress.log(`  warning: POST ${ROUTES[which]} (${store.label}): ${JSON.stringify(r.statusCodes)}, ${r.errors} errors`);
            row[which] = { rps: r.rps, p99Ms: r.latency.p99, failures: failures(r) };
            progress.advance(cfg.durationS * 1000);
          }
          rounds.push(row);
        }
      } finally {
        await server.stop();
      }
      const pick = (f) => summary(rounds.map(f));
      stores.push({
        store: store.label,
        keyedRps: pick((r) => r.keyed.rps),
        plainRps: pick((r) => r.plain.rps),
        keyedP99Ms: pick((r) => r.keyed.p99Ms),
        plainP99Ms: pick((r) => r.plain.p99Ms),
        ratio: pick((r) => r.keyed.rps / r.plain.rps),
        rounds,
      });
    }
  } finally {
    await stopChild(redis.child, 2000);
  }
  return { body: BODY, stores };
}

/** Planned duration (ms), for run.js's "time left". */
function plannedMs(cfg) {
  return 2 * (15_000 + 2 * cfg.warmupS * 1000 + cfg.runs * 2 * (cfg.durationS + 0.5) * 1000);
}

/** Issue 26's target, one row per store (report.js's summary). */
function targets(result, { num, pct }) {
  return result.stores.map((x) => {
    const ratio = x.ratio.median;
    return {
      scenario: `11. @Idempotent() POST (${x.store})`,
      figure: `POST /orders with a fresh Idempotency-Key ${num(x.keyedRps.median)} req/s vs ${num(x.plainRps.median)} without the decorator = ${pct(ratio)}`,
      target: '≥ 80 % of the same POST without @Idempotent()',
      met: ratio >= 0.8,
      reason: ratio >= 0.8 ? '' : 'each keyed request makes two writes to the store (the in-flight mark, then the answer); see section 9',
    };
  });
}

/** Section 9 of RESULTS.md. */
function markdown(result, { num, pct, mmm, table }) {
  return [
    "## 11. What @Idempotent() costs a write",
    '',
    table(
      ['Store', 'keyed req/s', 'plain req/s', 'keyed / plain (per round, then median)', 'keyed p99 ms', 'plain p99 ms'],
      result.stores.map((x) => [x.store, mmm(x.keyedRps), mmm(x.plainRps), mmm(x.ratio, pct), mmm(x.keyedP99Ms), mmm(x.plainP99Ms)]),
    ),
    '',
    `The orders fixture (test/fixtures/orders.module.ts, transpiled at start-up by bench/servers/app-orders.js): \`POST /orders\` with a fresh Idempotency-Key on every request (each claims a key and stores its answer) against \`POST /orders-plain\`, the same source without \`@Idempotent()\`, on one server, taking turns (the first to go alternates each round). Body ${JSON.stringify(result.body)}, 1,000 users' access tokens rotated. One server keeps keys in the database (no REDIS_URL), the other in a private Redis.`,
    '',
  ].join('\n');
}

module.exports = { run, plannedMs, targets, markdown };
