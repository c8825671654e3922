'use strict';
/**
 * Turns the results object into bench/results.json (everything, raw runs
 * included), bench/RESULTS.md (a summary table of targets, then details) and
 * the SVG charts RESULTS.md embeds, in bench/charts/ (lib/charts.js).
 */
const fs = require('node:fs');
const path = require('node:path');
const { writeCharts } = require('./charts');

const num = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
/** "median (min-max)" of a summary. */
const mmm = (s, f = num) => (s && Number.isFinite(s.median) ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : 'n/a');

function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Where scenario 2's gap to the floor goes, from the same rounds' ratios. */
function gapReason(ratios) {
  if (!ratios.shapedVsNest || !ratios.meVsShaped) return 'see the ratios below and Layers';
  return `a NestJS route of the same shape doing no auth (guard, custom parameter, ValidationPipe) already runs at ${pct(ratios.shapedVsNest.median)} of the floor sent the same requests; this application's request path runs at ${pct(ratios.meVsShaped.median)} of that route. The auth check itself measures about 1 µs in-process (Layers), less than that difference: the rest of the application's per-request path is the open item`;
}

/**
 * Refresh throughput before the refresh path was rewritten (issue 15): the
 * full run of 2026-11-29 01:23 UTC at the production defaults, SQLite. The
 * target is twice this.
 */
const REFRESH_BASELINE = { SQLite: { rps: 1194, when: 'of the full run before the rewrite' } };

/** The list of targets with met / not met, also stored in results.json. */
function evaluateTargets(r) {
  const t = [];
  const s = r.scenarios;
  if (s.read) {
    const ratio = s.read.ratios.meVsNest.median;
    const same = s.read.ratios.meVsNestSameRequests ? s.read.ratios.meVsNestSameRequests.median : undefined;
    const shaped = s.read.ratios.meVsShaped ? s.read.ratios.meVsShaped.median : undefined;
    const sameText = same === undefined ? '' : ` (${pct(same)} of the same floor sent the same requests${shaped === undefined ? '' : `; ${pct(shaped)} of a NestJS route of the same shape doing no auth`})`;
    t.push({
      scenario: '2. Authenticated read', figure: `GET /auth/me ${num(s.read.me100k.rps.median)} req/s = ${pct(ratio)} of the framework floor${sameText}`,
      target: '≥ 85 % of framework floor', met: ratio >= 0.85,
      reason: ratio >= 0.85 ? '' : gapReason(s.read.ratios),
    });
    const vsHttp = s.read.ratios.meVsHttp.median;
    t.push({
      scenario: '2. Authenticated read vs node:http', figure: `GET /auth/me = ${pct(vsHttp)} of a bare node:http server (${num(s.read.floorHttp.rps.median)} req/s), same rounds`,
      target: '≥ 60 % of node:http', met: vsHttp >= 0.6,
      reason: vsHttp >= 0.6 ? '' : 'see the row above and the profile below',
    });
    const r1m = s.read.ratios.oneMVs100k.median;
    t.push({
      scenario: '3. Revocation at scale', figure: `1M blocklisted: ${num(s.read.me1m.rps.median)} req/s = ${pct(r1m)} of scenario 2`,
      target: 'within 5 % of scenario 2', met: r1m >= 0.95,
      reason: r1m >= 0.95 ? '' : `${pct(1 - r1m)} slower with 1,000,000 entries`,
    });
  }
  for (const [i, l] of (s.login || []).entries()) {
    // The first shape keeps the scenario's earlier name, so the previous run's figure lines up.
    const shape = i === 0 ? '' : ` (-c ${l.connections} logging in, reader -c ${l.readerConnections})`;
    const ratio = l.ratio.median;
    t.push({
      scenario: `4. Login${shape}`, figure: `${num(l.loginsPerS.median, 1)} logins/s vs ${num(l.hashesPerS.median, 1)} hashes/s = ${pct(ratio)}`,
      target: '≥ 85 % of argon2id hashes/s', met: ratio >= 0.85,
      reason: ratio >= 0.85 ? '' : 'the hash thread waits while the rest of each login (HTTP, session insert, JWT) runs, and on a small machine the load generators take CPU the hash had to itself in the ceiling measurement',
    });
    const f = l.p99Factor.median;
    t.push({
      scenario: `4. Login storm vs readers${shape}`, figure: `GET /auth/me p99 ${num(l.stormMeP99Ms.median)} ms in storm vs ${num(l.idleMeP99Ms.median)} ms idle (×${num(f, 1)})`,
      target: '≤ 3× idle p99', met: f <= 3,
      reason: f <= 3 ? '' : `readers' p99 grew ×${num(f, 1)} while logins ran (see the profiles section)`,
    });
  }
  if (s.credentials) {
    const { totp, signed } = s.credentials;
    const extra = totp.extraMs.median;
    t.push({
      scenario: '9. Login with a TOTP code', figure: `${num(totp.totpLoginMedianMs, 1)} ms vs ${num(totp.passwordLoginMedianMs, 1)} ms password-only: ${num(extra, 2)} ms more (median of ${num(totp.extraMs.runs.length * totp.users)} pairs)`,
      target: '< 1 ms more than password-only', met: extra < 1,
      reason: extra < 1 ? '' : 'the TOTP check, its replay mark and the seed decryption cost more than 1 ms beside the hash',
    });
    const ratio = signed.ratio.median;
    t.push({
      scenario: '9. Signed GET /auth/me', figure: `${num(signed.signed.rps.median)} req/s with Ed25519-signed keys vs ${num(signed.bearer.rps.median)} with Bearer tokens = ${pct(ratio)}`,
      target: '≥ 50 % of a Bearer read', met: ratio >= 0.5,
      reason: ratio >= 0.5 ? '' : 'the signature check (and the load generator\'s signing on the same cores) costs more than the read',
    });
  }
  if (s.algorithms) {
    const a = s.algorithms.algorithms;
    for (const alg of ['ES256', 'EdDSA']) {
      const v = a[alg].vsHS256;
      const me = v.me >= 0.97;
      t.push({ scenario: `12. ${alg}: GET /auth/me (memo hits)`, figure: `${num(a[alg].rps.me)} req/s vs HS256 ${num(a.HS256.rps.me)} = ${pct(v.me)}`, target: 'within 3 % of HS256', met: me, reason: me ? '' : `${pct(1 - v.me)} below HS256` });
      const writes = v.refresh >= 0.9 && v.login >= 0.9;
      t.push({ scenario: `12. ${alg}: refresh and login`, figure: `refresh ${pct(v.refresh)}, login ${pct(v.login)} of HS256`, target: 'within 10 % of HS256', met: writes, reason: writes ? '' : `signing a ${alg} token per refresh and login costs more than 10 % of those requests (first verification ${num(a[alg].firstVerificationMicros, 0)} µs against ${num(a.HS256.firstVerificationMicros, 0)} µs for HS256)` });
    }
  }
  for (const x of s.refreshLogout || []) {
    const rps = x.refresh.rps.median;
    const p99 = x.refresh.p99Ms.median;
    const base = REFRESH_BASELINE[x.label];
    const fast = base === undefined || rps >= 2 * base.rps;
    t.push({
      scenario: `5. Refresh (${x.label})`, figure: `${num(rps)} req/s, p99 ${num(p99)} ms${base ? ` (${num(rps / base.rps, 1)}× the ${num(base.rps)} req/s ${base.when})` : ''}`,
      target: `p99 ≤ 20 ms at -c ${r.config.connections}${base ? `; ≥ 2× ${num(base.rps)} req/s` : ''}`, met: p99 <= 20 && fast,
      reason: [p99 > 20 ? `p99 ${num(p99)} ms` : '', fast ? '' : `${num(rps / base.rps, 1)}× the baseline`].filter(Boolean).join('; '),
    });
  }
  if (s.audit) {
    const a = s.audit;
    for (const [what, ratio, on, off] of [['Refresh', a.refreshRatio, a.refreshRpsOn, a.refreshRpsOff], ['Login', a.loginRatio, a.loginsPerSOn, a.loginsPerSOff]]) {
      const x = ratio.median;
      t.push({
        scenario: `8. ${what} with the audit trail`, figure: `${num(on.median, what === 'Login' ? 1 : 0)}/s with AUDIT=on vs ${num(off.median, what === 'Login' ? 1 : 0)}/s off = ${pct(x)}`,
        target: 'within 5 % of AUDIT=off', met: x >= 0.95,
        reason: x >= 0.95 ? '' : `AUDIT=on ran at ${pct(x)} of AUDIT=off (see the profiles section)`,
      });
    }
  }
  if (s.websocket) {
    const w = s.websocket;
    if (w.status !== 'run') {
      t.push({ scenario: '6. WebSocket', figure: w.status, target: '≤ 10 KB/socket; logout→close p99 ≤ 50 ms', met: null, reason: w.reason });
    } else {
      const kb = w.bytesPerSocket.median / 1024;
      t.push({ scenario: '6. WebSocket memory', figure: `${num(kb, 1)} KB per open socket (${num(w.sockets.median)} sockets)`, target: '≤ 10 KB per socket', met: kb <= 10, reason: kb <= 10 ? '' : 'server RSS grows more than 10 KB per connection' });
      const p99 = w.logoutToCloseP99Ms.median;
      t.push({ scenario: '6. WebSocket revocation', figure: `logout→close p99 ${num(p99, 1)} ms (p50 ${num(w.logoutToCloseP50Ms.median, 1)} ms)`, target: 'p99 ≤ 50 ms', met: p99 <= 50 && w.notClosed === 0, reason: p99 <= 50 && w.notClosed === 0 ? '' : (w.notClosed ? `${w.notClosed} logouts never closed their sockets` : 'revocation reaches sockets too slowly') });
    }
  }
  if (s.multiInstance) {
    const m = s.multiInstance;
    if (m.status !== 'run') {
      t.push({ scenario: '7. Several instances', figure: m.status, target: 'cross-instance logout→close p99 ≤ 50 ms; /auth/me with Redis within 5 %', met: null, reason: m.reason });
    } else {
      const p99 = m.answerToCloseP99Ms;
      const ok = p99 <= 50 && m.notClosed === 0;
      t.push({ scenario: '7. Cross-instance revocation', figure: `logout on A → socket on C closed: p99 ${num(p99, 1)} ms after the answer (p50 ${num(m.answerToCloseP50Ms, 1)} ms); from sending the logout p99 ${num(m.logoutToCloseP99Ms, 1)} ms`, target: 'p99 ≤ 50 ms of the revoking response', met: ok, reason: ok ? '' : (m.notClosed ? `${m.notClosed} logouts never closed their sockets on C` : 'pub/sub delivery too slow') });
      const ratio = m.meRatio.median;
      t.push({ scenario: '7. /auth/me with REDIS_URL', figure: `${num(m.meRpsWithRedis.median)} req/s vs ${num(m.meRpsWithout.median)} without = ${pct(ratio)}`, target: 'within 5 %', met: ratio >= 0.95, reason: ratio >= 0.95 ? '' : 'the read path does not touch Redis; the difference is run-to-run noise on a shared 2-core machine or a background cost of the Redis connections' });
    }
  }
  if (s.metrics) {
    const m = s.metrics;
    const ratio = m.ratio.median;
    t.push({ scenario: '10. /auth/me with metrics on', figure: `${num(m.meRpsOn.median)} req/s vs ${num(m.meRpsOff.median)} off = ${pct(ratio)}`, target: '≥ 97 % of metrics off', met: ratio >= 0.97, reason: ratio >= 0.97 ? '' : 'the onResponse histogram and the scrape cost more than 3 %, or run-to-run noise on a shared machine' });
  }
  if (s.idempotency) t.push(...require('../scenarios/idempotency').targets(s.idempotency, { num, pct }));
  return t;
}

/**
 * @param {object} r the results
 * @param {{ file: string, alt: string, section: string, index?: number }[]} charts
 *   the charts written beside RESULTS.md (lib/charts.js), linked in their sections
 */
function markdown(r, charts = []) {
  const s = r.scenarios;
  const out = [];
  const image = (c) => `![${c.alt.replace(/[[\]]/g, '')}](${c.file})`;
  out.push('# Authentication benchmark results', '');
  out.push(`Generated by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` on ${r.date} (${r.mode} mode, ${r.durationS.toFixed(0)} s).`, '');
  out.push(`Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB RAM, Node ${r.machine.node}, ${r.machine.platform}; load average (1/5/15 min) at start ${r.machine.loadAverageAtStart.join(' / ')}${r.machine.loadAverageAtEnd ? `, at end ${r.machine.loadAverageAtEnd.join(' / ')}` : ''}.`, '');
  if (r.machine.loadAverageAtStart[0] > r.machine.cores * 0.5) {
    out.push(`**Warning:** the 1-minute load average was already ${r.machine.loadAverageAtStart[0]} on ${r.machine.cores} cores when the run started: other work shared the CPU, so absolute figures are low and noisy. Ratios taken within one run are the figures to trust.`, '');
  }
  out.push(`Database: ${r.database}. Load: autocannon -c ${r.config.connections}, pipelining 1, loopback, ${r.config.durationS} s per run, ${r.config.runs} run(s) per figure; the load generator shares the ${r.machine.cores} cores with the server. Figures are "median (min–max)"; ratios are computed per run from figures of the same run, then their median is shown.`, '');
  // What the one who ran it noted about the run (the build, the host), written into results.json by hand.
  if (r.runNote) out.push(r.runNote, '');
  if (r.mode === 'quick') out.push('**Quick mode:** shorter and fewer runs' + (s.websocket && s.websocket.status === 'run' ? `, ${s.websocket.socketsTarget.toLocaleString('en')} WebSocket sockets instead of 10,000` : '') + '. Use the full run for figures to quote.', '');

  out.push('## Summary', '');
  const previous = new Map(((r.previous && r.previous.targets) || []).map((t) => [t.scenario, t.figure]));
  const previousHeader = r.previous ? `Previous run (${r.previous.date.slice(0, 10)}, ${r.previous.mode})` : 'Previous run';
  out.push(table(['Scenario', 'Figure', previousHeader, 'Target', 'Status'], r.targets.map((t) => [t.scenario, t.figure, previous.get(t.scenario) || '—', t.target, t.met === null ? `not run${t.reason ? `: ${t.reason}` : ''}` : t.met ? 'met' : `**not met**: ${t.reason}`])));
  out.push('');
  if (r.previous) out.push(`"Previous run" is the figure bench/results.json held before this run${r.previous.note ? ` (${r.previous.note})` : ''}; a dash means that scenario is new or was not run then.`, '');

  if (s.read) {
    const x = s.read;
    out.push('## 1-3. Floors and authenticated reads', '');
    out.push(table(['Server', 'req/s', 'p99 ms', 'non-2xx + errors'], ['floorHttp', 'floorNest', 'floorNestTokens', 'floorNestShaped', 'me100k', 'me1m'].filter((k) => x[k]).map((k) => [x[k].label, mmm(x[k].rps), mmm(x[k].p99Ms), num(x[k].non2xx)])));
    out.push('');
    for (const c of charts.filter((c) => c.section === 'read')) out.push(image(c), '');
    out.push(table(['Ratio (per run, then median)', 'value'], [
      ['NestJS floor / node:http floor', mmm(x.ratios.nestVsHttp, pct)],
      ['/auth/me (100k) / NestJS floor', mmm(x.ratios.meVsNest, pct)],
      ...(x.ratios.meVsNestSameRequests ? [['/auth/me (100k) / NestJS floor sent the same requests', mmm(x.ratios.meVsNestSameRequests, pct)]] : []),
      ...(x.ratios.shapedVsNest ? [['shaped route (guard + custom param, no auth) / NestJS floor, same requests: what NestJS charges the route shape', mmm(x.ratios.shapedVsNest, pct)]] : []),
      ...(x.ratios.meVsShaped ? [['/auth/me (100k) / shaped route: what this application adds to the route shape', mmm(x.ratios.meVsShaped, pct)]] : []),
      ['/auth/me (100k) / node:http floor', mmm(x.ratios.meVsHttp, pct)],
      ['/auth/me (1M) / /auth/me (100k)', mmm(x.ratios.oneMVs100k, pct)],
    ]));
    out.push('');
    out.push(`/auth/me requests rotate over ${r.config.tokenUsers.toLocaleString('en')} users' real access tokens (from POST /auth/login). Each server has ${r.blocklist.small.toLocaleString('en')} resp. ${r.blocklist.large.toLocaleString('en')} live rows in blocklisted_jtis, seeded directly in the database.`, '');
    out.push('### Blocklist memory and start-up', '');
    out.push(table(['Figure', 'value'], [
      ['Server RSS with 100k entries (after load)', `${num(x.memory.rss100kMiB, 1)} MiB`],
      ['Server RSS with 1M entries (after load)', `${num(x.memory.rss1mMiB, 1)} MiB`],
      ['Memory per blocklist entry', `${num(x.memory.bytesPerEntry)} bytes`],
      ['Start-up with 1M rows, spawn → /health 200', s.startup ? `${mmm(s.startup.spawnToHealthMs)} ms` : 'n/a'],
      ['"revocation state loaded in N ms" (server log)', s.startup ? `${mmm(s.startup.revocationLoadMs)} ms` : 'n/a'],
      ['Start-up with 100k rows, spawn → /health 200', s.startup ? `${num(s.startup.smallSpawnToHealthMs)} ms` : 'n/a'],
    ]));
    out.push('', x.memory.note + '. RSS includes whatever garbage the GC has not returned yet; treat it as an upper bound.', '');
  }
  if (s.login && s.login.length) {
    out.push('## 4. Login', '');
    const shapes = s.login;
    out.push(table(['Figure', ...shapes.map((l) => `-c ${l.connections} logging in, reader -c ${l.readerConnections}`)], [
      [`Logins/s (${shapes[0].durationS} s, correct passwords)`, ...shapes.map((l) => mmm(l.loginsPerS, (v) => num(v, 1)))],
      [`argon2id hashes/s alone (${shapes[0].hashConcurrency} in parallel, same options)`, ...shapes.map((l) => mmm(l.hashesPerS, (v) => num(v, 1)))],
      ['Logins / hashes', ...shapes.map((l) => mmm(l.ratio, pct))],
      ['503 answers (hash queue full)', ...shapes.map((l) => num(l.count503))],
      ['Login p99', ...shapes.map((l) => `${mmm(l.loginP99Ms)} ms`)],
      [`GET /auth/me p99, idle (${r.config.lightRate} req/s)`, ...shapes.map((l) => `${mmm(l.idleMeP99Ms)} ms`)],
      [`GET /auth/me p99, during storm (${r.config.lightRate} req/s)`, ...shapes.map((l) => `${mmm(l.stormMeP99Ms)} ms`)],
      ['Storm p99 / idle p99', ...shapes.map((l) => mmm(l.p99Factor, (v) => `×${num(v, 1)}`))],
      ['GET /auth/me req/s idle → storm', ...shapes.map((l) => `${num(l.idleMeRps.median)} → ${num(l.stormMeRps.median)}`)],
    ]));
    out.push('', `The hash ceiling runs in its own process with PASSWORD_HASH_CONCURRENCY (${shapes[0].hashConcurrency}) hashes in flight and the server's ARGON2_OPTIONS (${JSON.stringify(r.argon2Options)}).`, '');
    const timelines = charts.filter((c) => c.section === 'login');
    if (timelines.length) {
      const tl = shapes[timelines[0].index].timeline;
      out.push(`The reader's latency over time, from one extra run per shape after the measured rounds (no figure above comes from it): the reader runs about ${num(tl.stormStartMs / 1000, 1)} s alone, then through a ${shapes[0].durationS} s storm of the same shape (shaded), then about ${num((tl.durationMs - tl.stormEndMs) / 1000, 1)} s more; its first second is its own start-up (new connections, code not yet optimised) and tends to be slower. Each step is the p50, p99 or max of the requests answered in one ${num(tl.bucketMs)} ms slice, as measured. autocannon's rate cap makes the reader one burst per second (each connection sends its share of the second's requests back to back, then waits for the next second), and its p99 in the table above also counts back-filled samples for slow answers (its coordinated-omission correction), so the two need not agree.`, '');
      for (const c of timelines) out.push(image(c), '');
    }
  }
  if (s.refreshLogout && s.refreshLogout.length) {
    out.push('## 5. Refresh and logout', '');
    out.push(table(['Database', 'Endpoint', 'req/s', 'p99 ms', 'failures'], s.refreshLogout.flatMap((x) => [
      [x.label, 'POST /auth/refresh', mmm(x.refresh.rps), mmm(x.refresh.p99Ms), num(x.refresh.failures)],
      [x.label, `POST /auth/logout (${x.logout.requestsPerRound} per run)`, mmm(x.logout.rps), mmm(x.logout.p99Ms), num(x.logout.failures)],
    ])));
    out.push('', 'No target: these are the figures to watch for regressions. Logout sessions are logged in before each run (not timed) and each is logged out once.', '');
    if (r.refreshLogoutNote) out.push(r.refreshLogoutNote, '');
  }
  if (s.websocket) {
    const w = s.websocket;
    out.push('## 6. WebSocket', '');
    if (w.status !== 'run') out.push(`${w.status} (${w.reason}).`, '');
    else {
      out.push(table(['Figure', 'value'], [
        ['Sockets held open', mmm(w.sockets)],
        ['Handshakes/s', mmm(w.handshakesPerS)],
        ['Server memory per open socket', `${mmm(w.bytesPerSocket)} bytes`],
        ['REST logout → socket close, p50', `${mmm(w.logoutToCloseP50Ms, (v) => num(v, 1))} ms`],
        ['REST logout → socket close, p99', `${mmm(w.logoutToCloseP99Ms, (v) => num(v, 1))} ms`],
        ['Logouts whose sockets never closed (5 s)', num(w.notClosed)],
        ['Failed handshakes', num(w.failedHandshakes)],
        ['Close codes seen', [...new Set(w.rounds.flatMap((x) => x.closeCodes))].join(', ')],
      ]));
      out.push('', `Each round uses a fresh server. The first ${w.rounds[0].warmupMs.length} logouts of each round are not counted (first run of the logout path on that server); they took ${w.rounds.map((x) => x.warmupMs.map((v) => num(v)).join('/')).join(', ')} ms.`);
      out.push('', 'Memory per socket = (server VmRSS with all sockets open - VmRSS before) / sockets. The logout time runs from sending POST /auth/logout to the close event of the last socket opened with that token, measured in the client process; all other sockets stay open meanwhile.', '');
    }
  }
  if (s.multiInstance) {
    const m = s.multiInstance;
    out.push('## 7. Several instances (three instances, one database, one Redis)', '');
    if (m.status !== 'run') out.push(`${m.status} (${m.reason}).`, '');
    else {
      out.push(table(['Figure', 'value'], [
        ['Logout on A → socket on C closed, from reading the answer, p50 / p99', `${num(m.answerToCloseP50Ms, 1)} / ${num(m.answerToCloseP99Ms, 1)} ms`],
        ['Logout on A → socket on C closed, from sending the logout, p50 / p99', `${num(m.logoutToCloseP50Ms, 1)} / ${num(m.logoutToCloseP99Ms, 1)} ms`],
        ['Logouts whose socket never closed (5 s)', `${num(m.notClosed)} of ${num(m.logouts)}`],
        ['Close codes seen', m.closeCodes.join(', ')],
        ['GET /auth/me, instance with REDIS_URL', `${mmm(m.meRpsWithRedis)} req/s`],
        ['GET /auth/me, instance without REDIS_URL', `${mmm(m.meRpsWithout)} req/s`],
        ['Ratio (with / without), per alternating pair', mmm(m.meRatio, (v) => pct(v))],
      ]));
      out.push('', 'REVOCATION_SYNC_MS stays at its default (500 ms); the close within milliseconds is the Redis pub/sub path. The throughput pair is two fresh servers started after A, B and C are stopped, alternating which of the two goes first.', '');
      if (r.multiInstanceNote) out.push(r.multiInstanceNote, '');
    }
  }
  if (s.credentials) {
    const { totp, signed } = s.credentials;
    out.push('## 9. Stronger credentials: TOTP logins and signed keys', '');
    out.push(table(['Figure', 'value'], [
      ['Password-only login, one at a time, median (min–max)', `${mmm(totp.passwordLoginMs, (v) => num(v, 1))} ms`],
      ['Login with a TOTP code (`{username, password, otp}`), median (min–max)', `${mmm(totp.totpLoginMs, (v) => num(v, 1))} ms`],
      ['TOTP minus password-only, median of per-pair differences (per-round medians)', `${num(totp.extraMs.median, 2)} ms (${num(totp.extraMs.min, 2)}–${num(totp.extraMs.max, 2)})`],
      [`GET /auth/me, Bearer tokens (-c ${r.config.connections})`, `${mmm(signed.bearer.rps)} req/s, p99 ${mmm(signed.bearer.p99Ms)} ms`],
      [`GET /auth/me, ${num(signed.keys)} Ed25519-signed keys (-c ${r.config.connections})`, `${mmm(signed.signed.rps)} req/s, p99 ${mmm(signed.signed.p99Ms)} ms`],
      ['Signed / Bearer, per alternating round', mmm(signed.ratio, pct)],
    ]));
    out.push('', `${num(totp.users)} users with the factor on log in beside ${num(totp.users)} without, in pairs, each round in a fresh 30 s step (a code is accepted once per step); both sets have the server's real argon2id hash. The signed reads are signed in the load generator (node:crypto), on the same cores as the server, so the ratio is a floor. Both on the 100k server.`, '');
  }
  if (s.audit) {
    const a = s.audit;
    out.push('## 8. The audit trail\'s cost', '');
    out.push(table(['Figure', 'AUDIT=on', 'AUDIT=off', 'on / off (per round, then median)'], [
      [`POST /auth/refresh req/s (-c ${r.config.connections})`, mmm(a.refreshRpsOn), mmm(a.refreshRpsOff), mmm(a.refreshRatio, pct)],
      [`Logins/s (-c ${a.loginConnections}, real hashes)`, mmm(a.loginsPerSOn, (v) => num(v, 1)), mmm(a.loginsPerSOff, (v) => num(v, 1)), mmm(a.loginRatio, pct)],
    ]));
    out.push('', 'Two fresh servers on two fresh databases seeded alike, taking turns (the first to go alternates each round); each login records a login_succeeded event on the AUDIT=on server.', '');
  }
  if (s.metrics) {
    const m = s.metrics;
    out.push('## 10. Metrics on and off', '');
    out.push(table(['Figure', 'METRICS_PORT set', 'unset', 'on / off (per round, then median)'], [
      [`GET /auth/me req/s (-c ${r.config.connections})`, mmm(m.meRpsOn), mmm(m.meRpsOff), mmm(m.ratio, pct)],
    ]));
    out.push('', `Two fresh servers on one database, the same tokens, taking turns (the first to go alternates each round); the metrics server was scraped every second (${m.scrapes} scrapes, ${num(m.scrapeBytes)} bytes each at the end).`, '');
  }
  if (s.idempotency) out.push(require('../scenarios/idempotency').markdown(s.idempotency, { num, pct, mmm, table }));
  if (s.algorithms) {
    const x = s.algorithms;
    const a = x.algorithms;
    const algs = ['HS256', 'ES256', 'EdDSA'];
    const row = (label, f) => [label, ...algs.map(f)];
    out.push('## 12. Access tokens: HS256, ES256 and EdDSA side by side', '');
    out.push(table(['Figure', ...algs], [
      row('GET /auth/me, memo hits, req/s', (k) => `${num(a[k].rps.me)}${a[k].vsHS256 ? ` (${pct(a[k].vsHS256.me)})` : ''}`),
      row('POST /auth/refresh, req/s', (k) => `${num(a[k].rps.refresh)}${a[k].vsHS256 ? ` (${pct(a[k].vsHS256.refresh)})` : ''}`),
      row('POST /auth/login (cheap hashes), req/s', (k) => `${num(a[k].rps.login)}${a[k].vsHS256 ? ` (${pct(a[k].vsHS256.login)})` : ''}`),
      row('Well-formed tokens with a bad signature, refused (401) per s', (k) => num(a[k].rps.badSignature)),
      row('A token\'s first verification, µs (in-process)', (k) => num(a[k].firstVerificationMicros, 1)),
    ]));
    out.push('', `One server per algorithm on its own SQLite file, ${x.config.users} users with a deliberately cheap argon2id hash (so login and refresh show the token work, not the password hash), LOG_LEVEL=warn, autocannon -c ${x.config.connections}, ${x.config.runs} rounds of ${x.config.durationS} s alternating the servers' order; medians, and in brackets the ratio of the medians to HS256's. The bad-signature rate is what an attacker gets answered for free: each is a full verification, never memoised. Load average at its end: ${x.loadavg.map((v) => num(v, 2)).join(' / ')}.`, '');
  }
  if (s.layers) {
    out.push('## Layers of the authenticated path (in-process, ns per call)', '');
    out.push(table(['Layer', 'ns/op'], s.layers.results.map((x) => [x.layer, num(x.nsPerOp)])));
    out.push('', 'passport-jwt verifies the HMAC signature on every request (it has no cache) and builds a strategy instance per request. The server\'s guard verifies a token once, then pays the header parse, a cache lookup with that request\'s fresh token string (keyed by the token\'s last 16 characters, so V8 hashes 16 characters, not the whole token, and one comparison of the whole token) and the revocation check (two lookups in typed-array tables and one Map.get). The "fresh token string" rows are the realistic cost per request, the memo\'s and the whole-token Map it replaced; the plain cache-hit row reuses string objects whose hash V8 has already cached.', '');
  }
  if (r.profilesNote) out.push('## Profiles of the targets not met', '', r.profilesNote, '');
  // How to run the bench and what each scenario measures: the same for every
  // run, so kept as text beside this generator and not in results.json.
  out.push(fs.readFileSync(path.join(__dirname, 'method.md'), 'utf8'));
  if (r.errors.length) {
    out.push('## Errors', '', ...r.errors.map((e) => `- ${e}`), '');
  }
  return out.join('\n');
}

function write(r, dir) {
  r.targets = evaluateTargets(r);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(r, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'RESULTS.md'), markdown(r, writeCharts(r, dir)));
  return r.targets;
}

module.exports = { write, markdown, evaluateTargets };
