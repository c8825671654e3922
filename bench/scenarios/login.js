'use strict';
/**
 * Scenario 4: a login storm (concurrent POST /auth/login for D seconds,
 * correct passwords, real ARGON2_OPTIONS hashes) against the argon2id
 * hashes/s this machine reaches at the server's hash concurrency, measured
 * alone in a separate process. Meanwhile a light GET /auth/me load in
 * another process shows whether the storm starves everybody else; its idle
 * p99 is taken just before with the same light load and no storm. The light
 * load is capped at a fixed rate (cfg.lightRate): uncapped, it would
 * saturate the CPU on its own and measure contention, not starvation.
 *
 * Two shapes: `shape.loginConnections` logging in beside a reader on
 * `shape.readerConnections` (16 + 4, and the 8 + 10 an outside review used).
 *
 * After the measured rounds, one extra run per shape records the reader's
 * latency over time for a chart in RESULTS.md (no figure or ratio uses it):
 * the same reader runs for TIMELINE_LEAD_S + D + TIMELINE_TAIL_S
 * seconds, the same storm starts TIMELINE_LEAD_S seconds after it, and the
 * reader returns per-TIMELINE_BUCKET_MS buckets of its raw latencies (see
 * clients/cannon.js). Stored under the shape as `timeline: { bucketMs,
 * durationMs, buckets: [{ t, p50, p99, max, n }], stormStartMs, stormEndMs }`,
 * all times in ms since the reader's start; the storm's start and end are
 * the storm process's own, on the same wall clock.
 */
const path = require('node:path');
const { cannon } = require('../lib/load');
const { summary } = require('../lib/stats');
const { spawnTracked, sleep } = require('../lib/proc');

const TIMELINE_LEAD_S = 2;
const TIMELINE_TAIL_S = 2;
// One bucket per second: autocannon's rate cap sends each connection's share
// of a second's requests back to back as the second starts, then waits for
// its next 1 s tick, so the reader is one burst per second and finer buckets
// would be mostly empty.
const TIMELINE_BUCKET_MS = 1000;
/** Seconds the timeline run's reader runs (for run.js's time estimate). */
const timelineS = (cfg) => TIMELINE_LEAD_S + cfg.loginDurationS + TIMELINE_TAIL_S;

function argon2Rate(concurrency, seconds, options) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(process.execPath, [path.join(__dirname, '..', 'clients', 'argon2-rate.js'), String(concurrency), String(seconds), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', () => {
      try {
        const r = JSON.parse(out.trim().split('\n').pop());
        if (r.error) reject(new Error(r.error)); else resolve(r);
      } catch { reject(new Error(`argon2-rate failed: ${out}`)); }
    });
  });
}

async function run(ctx, shape) {
  const { cfg, tmpDir, progress, servers, tokens, loginUsers, password, argon2Options, hashConcurrency } = ctx;
  const url = servers.app100k.url;
  const bodies = loginUsers.map((username) => ({ username, password }));
  const light = { url, path: '/auth/me', tokens, connections: shape.readerConnections, rate: cfg.lightRate, duration: cfg.loginDurationS };
  const stormSpec = { url, path: '/auth/login', method: 'POST', bodies, connections: shape.loginConnections, duration: cfg.loginDurationS, timeout: 30 };
  const rows = [];
  for (let round = 1; round <= cfg.loginRuns; round++) {
    progress.log(`scenario 4: round ${round}/${cfg.loginRuns}: idle GET /auth/me -c ${shape.readerConnections} at ${cfg.lightRate} req/s (${cfg.loginDurationS} s)`);
    const idle = await cannon(light, tmpDir);
    progress.advance(cfg.loginDurationS * 1000);
    progress.log(`scenario 4: round ${round}/${cfg.loginRuns}: argon2id alone, ${hashConcurrency} in parallel (${cfg.loginDurationS} s)`);
    const hashes = await argon2Rate(hashConcurrency, cfg.loginDurationS, argon2Options);
    progress.advance(cfg.loginDurationS * 1000);
    progress.log(`scenario 4: round ${round}/${cfg.loginRuns}: login storm -c ${shape.loginConnections} + GET /auth/me -c ${shape.readerConnections} at ${cfg.lightRate} req/s (${cfg.loginDurationS} s)`);
    const [storm, busy] = await Promise.all([cannon(stormSpec, tmpDir), cannon(light, tmpDir)]);
    progress.advance(cfg.loginDurationS * 1000 + 1000);
    const other = Object.entries(storm.statusCodes).filter(([c]) => c !== '200' && c !== '503');
    if (other.length || storm.errors) progress.log(`  warning: login answers ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors`);
    rows.push({
      loginsPerS: storm.rps,
      hashesPerS: hashes.perSecond,
      ratio: storm.rps / hashes.perSecond,
      count503: storm.statusCodes['503'] || 0,
      loginP99Ms: storm.latency.p99,
      idleMeP99Ms: idle.latency.p99,
      stormMeP99Ms: busy.latency.p99,
      p99Factor: busy.latency.p99 / Math.max(idle.latency.p99, 1),
      idleMeRps: idle.rps,
      stormMeRps: busy.rps,
      loginStatusCodes: storm.statusCodes,
    });
  }
  const readerS = timelineS(cfg);
  progress.log(`scenario 4: timeline: GET /auth/me -c ${shape.readerConnections} at ${cfg.lightRate} req/s for ${readerS} s, login storm -c ${shape.loginConnections} from ${TIMELINE_LEAD_S} s for ${cfg.loginDurationS} s`);
  const [reader, storm] = await Promise.all([
    cannon({ ...light, duration: readerS, timelineBucketMs: TIMELINE_BUCKET_MS }, tmpDir),
    sleep(TIMELINE_LEAD_S * 1000).then(() => cannon(stormSpec, tmpDir)),
  ]);
  progress.advance(readerS * 1000 + 1000);
  const timeline = {
    ...reader.timeline,
    stormStartMs: Math.round(storm.startedAtMs - reader.startedAtMs),
    stormEndMs: Math.round(storm.endedAtMs - reader.startedAtMs),
  };
  const pick = (k) => summary(rows.map((r) => r[k]));
  return {
    hashConcurrency,
    connections: shape.loginConnections,
    readerConnections: shape.readerConnections,
    durationS: cfg.loginDurationS,
    loginsPerS: pick('loginsPerS'),
    hashesPerS: pick('hashesPerS'),
    ratio: pick('ratio'),
    count503: rows.reduce((s, r) => s + r.count503, 0),
    loginP99Ms: pick('loginP99Ms'),
    idleMeP99Ms: pick('idleMeP99Ms'),
    stormMeP99Ms: pick('stormMeP99Ms'),
    p99Factor: pick('p99Factor'),
    idleMeRps: pick('idleMeRps'),
    stormMeRps: pick('stormMeRps'),
    rounds: rows,
    timeline,
  };
}

module.exports = { run, timelineS };
