'use strict';
/**
 * Scenario 10, issue 27: GET /auth/me with Prometheus metrics on (METRICS_PORT
 * set, scraped once a second as a Prometheus with a 1 s interval would) and
 * off, two fresh servers on the same database and tokens, in the same run.
 * Rounds alternate which server goes first; the ratio is taken per round,
 * then the median. Target: on >= 97 % of off.
 */
const { cannon } = require('../lib/load');
const { freePort } = require('../lib/proc');
const { summary } = require('../lib/stats');

async function run(ctx, { databaseUrl, startApp }) {
  const { cfg, tmpDir, progress, tokens } = ctx;
  const metricsPort = await freePort();
  const off = await startApp({ name: 'app-metrics-off', tmpDir, databaseUrl });
  const on = await startApp({ name: 'app-metrics-on', tmpDir, databaseUrl, env: { METRICS_PORT: String(metricsPort) } });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  let scrapes = 0;
  let scrapeBytes = 0;
  const scraper = setInterval(() => {
    fetch(metricsUrl)
      .then((response) => response.text())
      .then((text) => {
        scrapes++;
        scrapeBytes = text.length;
      })
      .catch(() => undefined);
  }, 1000);
  try {
    const targets = [
      { key: 'on', label: 'GET /auth/me, METRICS_PORT set (scraped every second)', url: on.url },
      { key: 'off', label: 'GET /auth/me, METRICS_PORT unset', url: off.url },
    ];
    for (const t of targets) {
      progress.log(`scenario 10: warm-up ${t.label}`);
      await cannon({ url: t.url, path: '/auth/me', tokens, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
      progress.advance(cfg.warmupS * 1000);
    }
    const rps = { on: [], off: [] };
    const ratio = [];
    for (let round = 1; round <= cfg.runs; round++) {
      const order = round % 2 ? targets : [...targets].reverse();
      const figures = {};
      for (const t of order) {
        progress.log(`scenario 10: round ${round}/${cfg.runs}: ${t.label} (${cfg.durationS} s)`);
        const r = await cannon({ url: t.url, path: '/auth/me', tokens, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
        if (r.non2xx || r.errors) progress.log(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
        figures[t.key] = r.rps;
        rps[t.key].push(r.rps);
        progress.advance(cfg.durationS * 1000 + 500);
      }
      ratio.push(figures.on / figures.off);
    }
    return {
      meRpsOn: summary(rps.on),
      meRpsOff: summary(rps.off),
      ratio: summary(ratio),
      rounds: { on: rps.on, off: rps.off, ratio },
      scrapes,
      scrapeBytes,
    };
  } finally {
    clearInterval(scraper);
    await Promise.all([on.stop(), off.stop()]);
  }
}

module.exports = { run };
