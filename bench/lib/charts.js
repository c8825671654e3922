'use strict';
/**
 * SVG charts for RESULTS.md, drawn from results.json alone (plain SVG
 * strings, no dependency), so they can be redrawn from an old run's file
 * (bench/charts.js):
 *   - auth-me-rps.svg: scenarios 1-3's req/s, median bar, min–max whisker;
 *   - login-storm-c<L>-r<R>.svg: per login-storm shape, the reader's latency
 *     over time with the storm shaded (from the shape's `timeline`).
 * A chart whose data is missing (scenario skipped, results.json from before
 * the timeline existed) is not drawn. Each SVG stands alone: xmlns, size and
 * viewBox, a white background (GitHub's dark theme shows images as they are),
 * every text escaped.
 */
const fs = require('node:fs');
const path = require('node:path');

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const INK = '#222';
const GRID = '#e3e3e3';
const AXIS = '#555';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fmt = (x, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const r1 = (x) => Math.round(x * 10) / 10;
const finite = (x) => typeof x === 'number' && Number.isFinite(x);

function text(x, y, s, attrs = '') {
  return `<text x="${r1(x)}" y="${r1(y)}" ${attrs}>${esc(s)}</text>`;
}

function svgDocument(width, height, title, body) {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12" fill="${INK}">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A "nice" step (1, 2 or 5 times a power of ten) giving about `count` ticks up to `max`. */
function niceStep(max, count) {
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
}

/** Ticks of a log axis: 1, 2, 5 times each power of ten between lo and hi. */
function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); 10 ** e <= hi * 1.0001; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.9999 && v <= hi * 1.0001) ticks.push(Number(v.toPrecision(3)));
    }
  }
  return ticks;
}

// Scenario 1-3 targets, in results.scenarios.read's order, with short names
// for the axis (the full label goes into each bar's tooltip).
const READ_TARGETS = [
  { key: 'floorHttp', name: 'node:http floor', floor: true },
  { key: 'floorNest', name: 'NestJS + Fastify floor', floor: true },
  { key: 'floorNestTokens', name: 'NestJS floor, /auth/me’s requests', floor: true },
  { key: 'floorNestShaped', name: 'NestJS route shaped like /auth/me, no auth', floor: true },
  { key: 'me100k', name: 'GET /auth/me, 100k blocklisted', floor: false },
  { key: 'me1m', name: 'GET /auth/me, 1M blocklisted', floor: false },
  { key: 'meApiKey', name: 'GET /auth/me, API keys, 100k', floor: false },
];
const FLOOR_FILL = '#9aa5b1';
const APP_FILL = '#2f6fb0';

/** Chart 1: req/s of every scenario 1-3 target; null without scenario 1-3 data. */
function authMeRpsChart(r) {
  const read = r.scenarios && r.scenarios.read;
  if (!read) return null;
  const rows = READ_TARGETS.filter((t) => read[t.key] && read[t.key].rps && finite(read[t.key].rps.median)).map((t) => ({ ...t, label: read[t.key].label || t.name, rps: read[t.key].rps }));
  if (rows.length === 0) return null;

  const width = 800;
  const left = 290;
  const right = 80;
  const top = 82;
  const rowH = 34;
  const barH = 20;
  const plotW = width - left - right;
  const plotH = rows.length * rowH;
  const height = top + plotH + 58;
  const hi = Math.max(...rows.map((x) => (finite(x.rps.max) ? x.rps.max : x.rps.median)));
  const step = niceStep(hi, 6);
  const xMax = Math.ceil((hi * 1.02) / step) * step;
  const X = (v) => left + (v / xMax) * plotW;

  const c = r.config || {};
  const runs = rows[0].rps.runs ? rows[0].rps.runs.length : c.runs;
  const title = 'GET /auth/me beside the floors: requests per second';
  const sub = [
    c.connections ? `autocannon -c ${c.connections}` : '',
    runs && c.durationS ? `${runs} run${runs === 1 ? '' : 's'} of ${c.durationS} s per bar` : '',
    'bar: median, whisker: min–max',
    r.date ? `${r.mode || ''} run of ${String(r.date).slice(0, 10)}`.trim() : '',
  ].filter(Boolean).join('; ');

  const body = [];
  body.push(text(16, 26, title, 'font-size="16" font-weight="bold"'));
  body.push(text(16, 46, sub, 'font-size="12" fill="#555"'));
  // Legend.
  body.push(`<rect x="16" y="58" width="12" height="12" fill="${FLOOR_FILL}"/>`, text(34, 68, 'floors (no authentication)'));
  body.push(`<rect x="210" y="58" width="12" height="12" fill="${APP_FILL}"/>`, text(228, 68, 'this service'));

  // Grid and x axis.
  for (let v = 0; v <= xMax + step / 2; v += step) {
    const x = X(v);
    body.push(`<line x1="${r1(x)}" y1="${top}" x2="${r1(x)}" y2="${top + plotH}" stroke="${v === 0 ? AXIS : GRID}" stroke-width="1"/>`);
    body.push(`<line x1="${r1(x)}" y1="${top + plotH}" x2="${r1(x)}" y2="${top + plotH + 5}" stroke="${AXIS}"/>`);
    body.push(text(x, top + plotH + 18, fmt(v), 'text-anchor="middle" font-size="11"'));
  }
  body.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  body.push(text(left + plotW / 2, top + plotH + 40, 'requests per second (2xx)', 'text-anchor="middle"'));

  // Scenario 2's target, if the NestJS floor is there: 85 % of it.
  const nest = read.floorNest && read.floorNest.rps && read.floorNest.rps.median;
  const legendTargetX = 330;
  if (finite(nest)) {
    const x = X(0.85 * nest);
    body.push(`<line x1="${r1(x)}" y1="${top - 6}" x2="${r1(x)}" y2="${top + plotH}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5 4"/>`);
    body.push(`<line x1="${legendTargetX}" y1="64" x2="${legendTargetX + 22}" y2="64" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5 4"/>`);
    body.push(text(legendTargetX + 28, 68, `scenario 2’s target: 85 % of the NestJS floor (${fmt(0.85 * nest)} req/s)`));
  }

  rows.forEach((row, i) => {
    const yMid = top + i * rowH + rowH / 2;
    const { median, min, max } = row.rps;
    body.push(`<g><title>${esc(`${row.label}: ${fmt(median)} req/s (min ${fmt(min)}, max ${fmt(max)})`)}</title>`);
    body.push(text(left - 10, yMid + 4, row.name, 'text-anchor="end"'));
    body.push(`<rect x="${left}" y="${r1(yMid - barH / 2)}" width="${r1(X(median) - left)}" height="${barH}" fill="${row.floor ? FLOOR_FILL : APP_FILL}"/>`);
    let end = X(median);
    if (finite(min) && finite(max) && max > min) {
      const [a, b] = [X(min), X(max)];
      body.push(`<line x1="${r1(a)}" y1="${yMid}" x2="${r1(b)}" y2="${yMid}" stroke="${INK}" stroke-width="1.5"/>`);
      for (const x of [a, b]) body.push(`<line x1="${r1(x)}" y1="${yMid - 6}" x2="${r1(x)}" y2="${yMid + 6}" stroke="${INK}" stroke-width="1.5"/>`);
      end = Math.max(end, b);
    }
    body.push(text(end + 6, yMid + 4, fmt(median), 'font-size="11" font-weight="bold"'));
    body.push('</g>');
  });
  return svgDocument(width, height, title, body);
}

const P50 = '#0072b2';
const P99 = '#d55e00';
const MAX = '#8c8c8c';

/** Chart 2: one login-storm shape's reader latency over time; null without a timeline. */
function loginTimelineChart(shape, r) {
  const tl = shape && shape.timeline;
  if (!tl || !Array.isArray(tl.buckets) || tl.buckets.length === 0 || !finite(tl.bucketMs)) return null;
  const buckets = tl.buckets;
  const values = buckets.flatMap((b) => [b.p50, b.p99, b.max]).filter((v) => finite(v) && v > 0);
  if (values.length === 0) return null;

  const width = 800;
  const height = 400;
  const left = 66;
  const right = 24;
  const top = 84;
  const bottom = 52;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const spanMs = Math.max(finite(tl.durationMs) ? tl.durationMs : 0, buckets.length * tl.bucketMs, finite(tl.stormEndMs) ? tl.stormEndMs : 0);
  const X = (ms) => left + (Math.min(Math.max(ms, 0), spanMs) / spanMs) * plotW;
  // Log latency axis: p50 and the worst answer differ by orders of magnitude.
  // Bounds: the 1-2-5 values just outside the data.
  const loRaw = Math.max(0.01, Math.min(...values));
  const lo = [5, 2, 1].map((m) => m * 10 ** Math.floor(Math.log10(loRaw))).find((v) => v <= loRaw * 1.0001);
  const hiRaw = Math.max(...values, lo * 2);
  const hi = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(hiRaw))).find((v) => v >= hiRaw * 0.9999);
  const Y = (ms) => top + plotH - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;

  const c = (r && r.config) || {};
  const title = `GET /auth/me latency through a login storm: -c ${shape.connections} logging in, reader -c ${shape.readerConnections}`;
  const slice = tl.bucketMs % 1000 === 0 ? `${fmt(tl.bucketMs / 1000)} s` : `${fmt(tl.bucketMs)} ms`;
  const sub = `Reader capped at ${c.lightRate ? `${fmt(c.lightRate)} req/s` : 'a fixed rate'}; each step: p50 / p99 / max of the answers in one ${slice} slice (raw latencies)`;

  const body = [];
  body.push(text(16, 26, title, 'font-size="16" font-weight="bold"'));
  body.push(text(16, 46, sub, 'font-size="11.5" fill="#555"'));

  // Storm window.
  const hasStorm = finite(tl.stormStartMs) && finite(tl.stormEndMs) && tl.stormEndMs > tl.stormStartMs;
  if (hasStorm) {
    const [a, b] = [X(tl.stormStartMs), X(tl.stormEndMs)];
    body.push(`<rect x="${r1(a)}" y="${top}" width="${r1(b - a)}" height="${plotH}" fill="#fbe7a1" fill-opacity="0.7"/>`);
    for (const x of [a, b]) body.push(`<line x1="${r1(x)}" y1="${top}" x2="${r1(x)}" y2="${top + plotH}" stroke="#b8860b" stroke-width="1.2" stroke-dasharray="4 3"/>`);
    const seconds = (tl.stormEndMs - tl.stormStartMs) / 1000;
    body.push(text((a + b) / 2, top + 16, `login storm (${fmt(seconds, 1)} s)`, 'text-anchor="middle" font-size="12" fill="#7a5a00" font-weight="bold"'));
  }

  // Y grid and axis (log).
  for (const v of logTicks(lo, hi)) {
    const y = Y(v);
    const major = Number.isInteger(Math.log10(v));
    body.push(`<line x1="${left}" y1="${r1(y)}" x2="${left + plotW}" y2="${r1(y)}" stroke="${GRID}" stroke-width="${major ? 1.2 : 0.8}"/>`);
    body.push(`<line x1="${left - 5}" y1="${r1(y)}" x2="${left}" y2="${r1(y)}" stroke="${AXIS}"/>`);
    body.push(text(left - 8, y + 4, fmt(v, v < 1 ? 2 : 0), 'text-anchor="end" font-size="11"'));
  }
  body.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  body.push(text(16, top + plotH / 2, 'latency (ms, log scale)', `text-anchor="middle" transform="rotate(-90 16 ${r1(top + plotH / 2)})"`));

  // X axis: seconds since the reader started.
  const stepS = niceStep(spanMs / 1000, 10);
  for (let s = 0; s * 1000 <= spanMs + 1; s += stepS) {
    const x = X(s * 1000);
    body.push(`<line x1="${r1(x)}" y1="${top + plotH}" x2="${r1(x)}" y2="${top + plotH + 5}" stroke="${AXIS}"/>`);
    body.push(text(x, top + plotH + 18, fmt(s, stepS < 1 ? 1 : 0), 'text-anchor="middle" font-size="11"'));
  }
  body.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  body.push(text(left + plotW / 2, top + plotH + 40, 'seconds since the reader started', 'text-anchor="middle"'));

  // Series: steps, one flat segment per bucket, broken where a bucket had no answer.
  const series = [
    { key: 'max', name: 'max', color: MAX, widthPx: 1.2, dash: '3 2' },
    { key: 'p99', name: 'p99', color: P99, widthPx: 2 },
    { key: 'p50', name: 'p50', color: P50, widthPx: 2 },
  ];
  for (const s of series) {
    let d = '';
    let open = false;
    for (const b of buckets) {
      if (!finite(b[s.key])) { open = false; continue; }
      const y = r1(Y(b[s.key]));
      d += `${open ? ' L' : ' M'}${r1(X(b.t))},${y} L${r1(X(b.t + tl.bucketMs))},${y}`;
      open = true;
    }
    if (d) body.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="${s.widthPx}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`);
  }

  // Legend, top right.
  let lx = width - right - 300;
  for (const s of [...series].reverse()) {
    body.push(`<line x1="${lx}" y1="64" x2="${lx + 24}" y2="64" stroke="${s.color}" stroke-width="${s.widthPx}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    body.push(text(lx + 30, 68, s.name));
    lx += 72;
  }
  if (hasStorm) {
    body.push(`<rect x="${lx}" y="58" width="14" height="12" fill="#fbe7a1" stroke="#b8860b" stroke-width="0.8"/>`);
    body.push(text(lx + 20, 68, 'storm'));
  }
  return svgDocument(width, height, title, body);
}

/** File name of a login shape's chart. */
const loginChartFile = (shape) => `login-storm-c${shape.connections}-r${shape.readerConnections}.svg`;
const OWN_FILE = /^(auth-me-rps|login-storm-c\d+-r\d+)\.svg$/;

/**
 * Every chart the results have data for: [{ file, alt, section, index?, svg }],
 * file relative to the output directory.
 */
function build(r) {
  const charts = [];
  const rps = authMeRpsChart(r);
  if (rps) charts.push({ file: 'charts/auth-me-rps.svg', alt: 'GET /auth/me beside the floors, req/s', section: 'read', svg: rps });
  for (const [index, shape] of ((r.scenarios && r.scenarios.login) || []).entries()) {
    const svg = loginTimelineChart(shape, r);
    if (svg) charts.push({ file: `charts/${loginChartFile(shape)}`, alt: `GET /auth/me latency during the login storm, -c ${shape.connections} logging in, reader -c ${shape.readerConnections}`, section: 'login', index, svg });
  }
  return charts;
}

/**
 * Writes the charts to `dir`/charts/ and removes this module's charts from an
 * earlier run that this one has no data for, so RESULTS.md and the folder
 * agree. Returns the charts written (without their SVG text).
 */
function writeCharts(r, dir) {
  const charts = build(r);
  const chartDir = path.join(dir, 'charts');
  if (charts.length) fs.mkdirSync(chartDir, { recursive: true });
  const written = new Set(charts.map((c) => path.basename(c.file)));
  if (fs.existsSync(chartDir)) {
    for (const f of fs.readdirSync(chartDir)) if (OWN_FILE.test(f) && !written.has(f)) fs.rmSync(path.join(chartDir, f));
  }
  for (const c of charts) fs.writeFileSync(path.join(dir, c.file), c.svg);
  return charts.map((c) => ({ file: c.file, alt: c.alt, section: c.section, index: c.index }));
}

module.exports = { build, writeCharts, authMeRpsChart, loginTimelineChart, esc };
