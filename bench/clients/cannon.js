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
 *         signedKeys?: {id, privateKeyPem}[] (Ed25519 keys, rotated: each
 *           request gets X-API-Key: <id>, a fresh X-API-Timestamp and its
 *           X-API-Signature, signed here with node:crypto; bodiless requests),
 *         bodies?: object[] (rotated JSON bodies), rate?: total req/s cap,
 *         idempotencyKeys?: true (a fresh Idempotency-Key on every request),
 *         timelineBucketMs?: also return `timeline`, the latency per bucket of
 *           that many ms (see below) }
 * The output also has `startedAtMs` / `endedAtMs`: wall-clock epoch ms of the
 * run's start and end, so runs in two processes can be placed on one time axis.
 */
const fs = require('node:fs');
const { createPrivateKey, hash, sign } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const autocannon = require('autocannon');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tokens = spec.tokens || null;
const apiKeys = spec.apiKeys || null;
const bodies = spec.bodies ? spec.bodies.map((b) => JSON.stringify(b)) : null;
const signedKeys = spec.signedKeys ? spec.signedKeys.map((k) => ({ id: k.id, key: createPrivateKey(k.privateKeyPem) })) : null;
const EMPTY_BODY_SHA256 = hash('sha256', '');
let next = 0;
// Unique across runs and processes against one server: a key is never reused.
const keyPrefix = spec.idempotencyKeys ? require('node:crypto').randomBytes(8).toString('hex') : null;

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
    if (signedKeys) {
      // `<timestamp>\n<METHOD>\n<path and query>\n<hex SHA-256 of the body>`,
      // as docs/integrating.md gives it. Keys rotate, so one key's two
      // requests never share a millisecond (and so a signature) at these rates.
      const k = signedKeys[i % signedKeys.length];
      const timestamp = String(Date.now());
      const payload = `${timestamp}\n${request.method}\n${spec.path}\n${EMPTY_BODY_SHA256}`;
      headers['x-api-key'] = k.id;
      headers['x-api-timestamp'] = timestamp;
      headers['x-api-signature'] = sign(null, Buffer.from(payload), k.key).toString('base64');
    }
    if (keyPrefix) headers['idempotency-key'] = `${keyPrefix}-${i}`;
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
const startedPerf = performance.now();
const epochMs = (perf) => Math.round((performance.timeOrigin + perf) * 10) / 10;

/**
 * With timelineBucketMs: every response's (completion time since the start,
 * latency), kept as two numbers per response (a 14 s reader at 400 req/s is
 * ~5,600 of them) and summed up into buckets at the end: per bucket its start
 * `t` (ms since the start), the nearest-rank p50 / p99 and the max latency
 * (ms) of the responses that completed in it, and their count `n`. Empty
 * buckets have null figures. These are the raw latencies of the requests
 * sent; autocannon's own percentiles (the output's `latency`) add back-filled
 * samples for slow answers when a rate is set (its coordinated-omission
 * correction), so they can be higher.
 */
const bucketMs = spec.timelineBucketMs || 0;
const doneAt = [];
const latencies = [];

function timeline(endPerf) {
  // A last part-bucket shorter than half a bucket joins the one before it.
  const count = Math.max(1, Math.round((endPerf - startedPerf) / bucketMs));
  const per = Array.from({ length: count }, () => []);
  for (let i = 0; i < doneAt.length; i++) per[Math.min(count - 1, Math.floor(doneAt[i] / bucketMs))].push(latencies[i]);
  const round = (x) => Math.round(x * 100) / 100;
  const rank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return {
    bucketMs,
    durationMs: Math.round(endPerf - startedPerf),
    buckets: per.map((v, i) => {
      v.sort((a, b) => a - b);
      const t = i * bucketMs;
      if (v.length === 0) return { t, p50: null, p99: null, max: null, n: 0 };
      return { t, p50: round(rank(v, 0.5)), p99: round(rank(v, 0.99)), max: round(v[v.length - 1]), n: v.length };
    }),
  };
}

const instance = autocannon(options, (error, result) => {
  const endedPerf = performance.now();
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
      startedAtMs: epochMs(startedPerf),
      endedAtMs: epochMs(endedPerf),
      ...(bucketMs ? { timeline: timeline(endedPerf) } : {}),
    }) + '\n',
  );
});
if (spec.amount) instance.on('response', () => { lastResponseNs = process.hrtime.bigint(); });
if (bucketMs) {
  instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
    doneAt.push(performance.now() - startedPerf);
    latencies.push(responseTimeMs);
  });
}
