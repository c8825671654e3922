'use strict';
/**
 * Scenarios 1-3, measured in rounds so every ratio compares figures from the
 * same round (same moment, same background noise):
 *   1. floors: bare node:http and a NestJS-on-Fastify public route (the
 *      latter also with /auth/me's exact requests, tokens ignored)
 *   2. GET /auth/me with 1,000 users' tokens, 100,000 live blocklist rows
 *   3. the same against a server holding 1,000,000 live blocklist rows
 *   4. GET /auth/me with 1,000 users' API keys (X-API-Key) on the 100k server:
 *      issue 13 asks for it within 10 % of the access-token figure
 * All with autocannon -c 50, pipelining 1, on loopback.
 */
const { cannon } = require('../lib/load');
const { summary } = require('../lib/stats');
const { rssBytes, sleep } = require('../lib/proc');

async function run(ctx) {
  const { cfg, tmpDir, progress, servers, tokens, apiKeys } = ctx;
  const targets = [
    { key: 'floorHttp', label: 'floor: node:http', url: servers.floorHttp.url, path: '/ping' },
    { key: 'floorNest', label: 'floor: NestJS + Fastify', url: servers.floorNest.url, path: '/ping' },
    // The same floor sent the very requests /auth/me gets (tokens and all, ignored):
    // what the larger requests cost the client and the kernel, apart from any server work.
    { key: 'floorNestTokens', label: 'floor: NestJS + Fastify, same requests as /auth/me', url: servers.floorNest.url, path: '/ping', tokens },
    // The same floor app's route of /auth/me's shape (a guard, a custom parameter, the
    // global ValidationPipe) doing no auth work: NestJS's own cost of such a route.
    { key: 'floorNestShaped', label: 'floor: NestJS route shaped like /auth/me (allow-all guard, custom param), same requests', url: servers.floorNest.url, path: '/shaped', tokens },
    { key: 'me100k', label: 'GET /auth/me, 100k blocklisted', url: servers.app100k.url, path: '/auth/me', tokens },
    { key: 'me1m', label: 'GET /auth/me, 1M blocklisted', url: servers.app1m.url, path: '/auth/me', tokens },
    { key: 'meApiKey', label: 'GET /auth/me with API keys, 100k blocklisted', url: servers.app100k.url, path: '/auth/me', apiKeys },
  ];
  const raw = Object.fromEntries(targets.map((t) => [t.key, []]));
  const ratios = { meVsNest: [], meVsNestSameRequests: [], meVsShaped: [], shapedVsNest: [], meVsHttp: [], nestVsHttp: [], oneMVs100k: [], apiKeyVsToken: [] };

  // Every key once before any measurement: a key's first use on an instance
  // reads it from the database (then memoised for 5 minutes), and a short
  // time-based warm-up at a busy machine's rates reaches only part of 1,000
  // keys, so the measured runs would mostly time first uses.
  progress.log(`scenario 4: first use of each of ${apiKeys.length} API keys`);
  await cannon({ url: servers.app100k.url, path: '/auth/me', apiKeys, connections: 4, amount: apiKeys.length }, tmpDir);
  // Warm-up once per target: JIT, the verified-token cache, connection pools.
  for (const t of targets) {
    progress.log(`scenario 1-3: warm-up ${t.label}`);
    await cannon({ url: t.url, path: t.path, tokens: t.tokens, apiKeys: t.apiKeys, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
    progress.advance(cfg.warmupS * 1000);
  }
  for (let round = 1; round <= cfg.runs; round++) {
    const figures = {};
    // Odd rounds run the targets forwards, even rounds backwards, so a drift
    // of the machine during a round does not always favour the same server.
    const order = round % 2 ? targets : [...targets].reverse();
    for (const t of order) {
      progress.log(`scenario 1-3: round ${round}/${cfg.runs}: ${t.label} (${cfg.durationS} s)`);
      const r = await cannon({ url: t.url, path: t.path, tokens: t.tokens, apiKeys: t.apiKeys, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
      if (r.non2xx || r.errors) progress.log(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
      raw[t.key].push(r);
      figures[t.key] = r.rps;
      progress.advance(cfg.durationS * 1000 + 500);
    }
    ratios.meVsNest.push(figures.me100k / figures.floorNest);
    ratios.meVsNestSameRequests.push(figures.me100k / figures.floorNestTokens);
    ratios.meVsShaped.push(figures.me100k / figures.floorNestShaped);
    ratios.shapedVsNest.push(figures.floorNestShaped / figures.floorNestTokens);
    ratios.meVsHttp.push(figures.me100k / figures.floorHttp);
    ratios.nestVsHttp.push(figures.floorNest / figures.floorHttp);
    ratios.oneMVs100k.push(figures.me1m / figures.me100k);
    ratios.apiKeyVsToken.push(figures.meApiKey / figures.me100k);
  }

  // Memory of the blocklist: both servers took the same load, so the RSS
  // difference is the 900,000 extra entries (plus noise of the GC's timing).
  await sleep(1000);
  const rss100k = rssBytes(servers.app100k.pid);
  const rss1m = rssBytes(servers.app1m.pid);
  const extra = ctx.blocklist.large - ctx.blocklist.small;

  const out = {};
  for (const t of targets) {
    out[t.key] = {
      label: t.label,
      rps: summary(raw[t.key].map((r) => r.rps)),
      p99Ms: summary(raw[t.key].map((r) => r.latency.p99)),
      non2xx: raw[t.key].reduce((s, r) => s + r.non2xx + r.errors, 0),
    };
  }
  out.ratios = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, summary(v)]));
  out.memory = {
    rss100kMiB: rss100k / 2 ** 20,
    rss1mMiB: rss1m / 2 ** 20,
    bytesPerEntry: (rss1m - rss100k) / extra,
    note: `VmRSS of the two servers after the same load; (RSS with ${ctx.blocklist.large.toLocaleString('en')} rows - RSS with ${ctx.blocklist.small.toLocaleString('en')} rows) / ${extra.toLocaleString('en')}`,
  };
  return out;
}

module.exports = { run };
