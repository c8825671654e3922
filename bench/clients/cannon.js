'use strict';
/**
 * One autocannon run in its own process, so the load generator never shares
 * an event loop with the orchestrator or another generator.
 *
 * Usage: node bench/clients/cannon.js <spec.json>; prints one JSON line.
 * The spec is a file because token lists (1,000+ JWTs) are too big for argv.
 * Spec: { url, method, path, connections, duration | amount, pipelining,
 *         tokens?: string[] (rotated into Authorization: Bearer),
 *         apiKeys?: string[] (rotated into X-API-Key),
 *         bodies?: object[] (rotated JSON bodies), rate?: total req/s cap }
 */
const fs = require('node:fs');
const autocannon = require('autocannon');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tokens = spec.tokens || null;
const apiKeys = spec.apiKeys || null;
const bodies = spec.bodies ? spec.bodies.map((b) => JSON.stringify(b)) : null;
let next = 0;

const request = {
  method: spec.method || 'GET',
  path: spec.path,
  // Rotating per request spreads the load over every token (so the server's
  // verified-token cache and blocklist see many keys, not one hot entry).
  setupRequest: (req) => {
    const i = next++;
    const headers = { ...(req.headers || {}) };
    if (tokens) headers.authorization = `Bearer ${tokens[i % tokens.length]}`;
    if (apiKeys) headers['x-api-key'] = apiKeys[i % apiKeys.length];
    if (bodies) {
      headers['content-type'] = 'application/json';
      req.body = bodies[i % bodies.length];
    }
    req.headers = headers;
    return req;
  },
};

const options = {
  url: spec.url,
  connections: spec.connections,
  pipelining: spec.pipelining || 1,
  requests: [request],
  timeout: spec.timeout || 10,
};
// A fixed total rate makes a load "light": without it even -c 4 runs flat out.
if (spec.rate) options.overallRate = spec.rate;
if (spec.amount) options.amount = spec.amount;
else options.duration = spec.duration;

// autocannon only finishes on its 1-second tick, so with `amount` its
// `duration` is rounded up to whole seconds (a 1.2 s run reports 2 s). For
// those runs, time from the start to the last response ourselves.
const startedNs = process.hrtime.bigint();
let lastResponseNs = startedNs;

const instance = autocannon(options, (error, result) => {
  if (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }) + '\n');
    process.exit(1);
  }
  const durationS = spec.amount ? Number(lastResponseNs - startedNs) / 1e9 : result.duration;
  const statusCodes = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats || {})) statusCodes[code] = stats.count;
  process.stdout.write(
    JSON.stringify({
      durationS,
      total: result.requests.total,
      ok2xx: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      // 2xx per second of wall time: failed requests do not count as served.
      rps: result['2xx'] / durationS,
      latency: {
        mean: result.latency.average,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
    }) + '\n',
  );
});
if (spec.amount) instance.on('response', () => { lastResponseNs = process.hrtime.bigint(); });
