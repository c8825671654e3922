'use strict';
/**
 * Scenario 9: what the stronger credentials cost.
 *
 *   a. A login with a TOTP code (the one-step `{username, password, otp}`)
 *      against a password-only login, one request at a time, in pairs
 *      (password user i, then TOTP user i), both with the server's real
 *      ARGON2_OPTIONS hash. The second-factor issue asks for less than 1 ms
 *      more. A TOTP code is accepted once per user and 30 s step, so each
 *      round waits for a fresh step and logs every TOTP user in once; the
 *      difference is the median of the per-pair differences (the hash's own
 *      spread is far larger than 1 ms, pairing takes most of it out).
 *   b. GET /auth/me with Ed25519-signed API keys (`X-API-Key: <id>`, a fresh
 *      X-API-Timestamp and X-API-Signature per request, signed in the load
 *      generator with node:crypto) against the same read with Bearer tokens,
 *      -c 50, in alternating rounds. The signed-keys issue asks for >= 50 %.
 *      The generator's signing shares the machine's two cores with the
 *      server, so the ratio is a floor.
 */
const { generateKeyPairSync } = require('node:crypto');
const { TOTP, Secret } = require('otpauth');
const { cannon } = require('../lib/load');
const { median, summary } = require('../lib/stats');
const { pool } = require('../lib/api');

const STEP_MS = 30_000;

async function json(url, method, path, body, token) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => ({})) };
}

function totpFor(secret) {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
}

/** Turns the second factor on for `username`; returns its TOTP generator. */
async function enrol(url, username, password) {
  const login = await json(url, 'POST', '/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`login ${username} -> ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.access_token;
  const started = await json(url, 'POST', '/auth/mfa/totp', { password }, token);
  if (started.status !== 200) throw new Error(`POST /auth/mfa/totp -> ${started.status} ${JSON.stringify(started.body)}`);
  const totp = totpFor(started.body.secret);
  const confirmed = await json(url, 'POST', '/auth/mfa/totp/confirm', { code: totp.generate() }, token);
  if (confirmed.status !== 200) throw new Error(`confirm -> ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return totp;
}

/** An Ed25519 key for the user of `token`; returns { id, privateKeyPem }. */
async function signedKey(url, token, password) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  const created = await json(url, 'POST', '/auth/api-keys', { name: 'bench-signed', permission_tier: 2, type: 'ed25519', public_key: raw, password }, token);
  if (created.status !== 201) throw new Error(`signed key -> ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) };
}

async function timedLogin(url, body) {
  const started = process.hrtime.bigint();
  const res = await json(url, 'POST', '/auth/login', body);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200) throw new Error(`login ${body.username} -> ${res.status} ${JSON.stringify(res.body)}`);
  return ms;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function totpLogins(ctx, url) {
  const { cfg, progress, loginUsers, mfaUsers, password } = ctx;
  progress.log(`scenario 9a: turning the second factor on for ${mfaUsers.length} users`);
  // One at a time: each enrolment's code must be fresh, and its login hashes.
  const totps = await pool(mfaUsers.length, 1, (i) => enrol(url, mfaUsers[i], password));
  const pairs = Math.min(mfaUsers.length, loginUsers.length);
  const passwordMs = [];
  const totpMs = [];
  const diffs = [];
  const roundMedians = [];
  for (let round = 1; round <= cfg.runs; round++) {
    // A fresh step, so no code is a replay of the enrolment's or the last round's.
    await sleep(STEP_MS - (Date.now() % STEP_MS) + 200);
    progress.log(`scenario 9a: round ${round}/${cfg.runs}: ${pairs} password-only and ${pairs} TOTP logins, in pairs`);
    const roundDiffs = [];
    for (let i = 0; i < pairs; i++) {
      const a = await timedLogin(url, { username: loginUsers[i], password });
      const b = await timedLogin(url, { username: mfaUsers[i], password, otp: totps[i].generate() });
      passwordMs.push(a);
      totpMs.push(b);
      roundDiffs.push(b - a);
    }
    diffs.push(...roundDiffs);
    roundMedians.push(median(roundDiffs));
    progress.advance(STEP_MS / 2 + pairs * 80);
  }
  return {
    users: pairs,
    passwordLoginMs: summary(passwordMs),
    totpLoginMs: summary(totpMs),
    passwordLoginMedianMs: median(passwordMs),
    totpLoginMedianMs: median(totpMs),
    extraMs: { median: median(diffs), min: Math.min(...roundMedians), max: Math.max(...roundMedians), runs: roundMedians },
  };
}

async function signedReads(ctx, url) {
  const { cfg, tmpDir, progress, tokens, password } = ctx;
  const count = Math.min(tokens.length, cfg.signedKeys);
  progress.log(`scenario 9b: creating ${count} Ed25519 API keys`);
  const signedKeys = await pool(count, 4, (i) => signedKey(url, tokens[i], password));
  const targets = [
    { key: 'bearer', label: 'GET /auth/me, Bearer tokens', tokens },
    { key: 'signed', label: 'GET /auth/me, Ed25519-signed keys', signedKeys },
  ];
  // First use of each key reads it from the database; then warm-up per target.
  await cannon({ url, path: '/auth/me', signedKeys, connections: 4, amount: signedKeys.length }, tmpDir);
  for (const t of targets) await cannon({ url, path: '/auth/me', tokens: t.tokens, signedKeys: t.signedKeys, connections: cfg.connections, duration: cfg.warmupS }, tmpDir);
  const raw = { bearer: [], signed: [] };
  const ratios = [];
  for (let round = 1; round <= cfg.runs; round++) {
    const order = round % 2 ? targets : [...targets].reverse();
    const figures = {};
    for (const t of order) {
      progress.log(`scenario 9b: round ${round}/${cfg.runs}: ${t.label} (${cfg.durationS} s)`);
      const r = await cannon({ url, path: '/auth/me', tokens: t.tokens, signedKeys: t.signedKeys, connections: cfg.connections, duration: cfg.durationS }, tmpDir);
      if (r.non2xx || r.errors) progress.log(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
      raw[t.key].push(r);
      figures[t.key] = r.rps;
      progress.advance(cfg.durationS * 1000 + 500);
    }
    ratios.push(figures.signed / figures.bearer);
  }
  const out = { keys: count, ratio: summary(ratios) };
  for (const t of targets) {
    out[t.key] = {
      label: t.label,
      rps: summary(raw[t.key].map((r) => r.rps)),
      p99Ms: summary(raw[t.key].map((r) => r.latency.p99)),
      non2xx: raw[t.key].reduce((s, r) => s + r.non2xx + r.errors, 0),
    };
  }
  return out;
}

async function run(ctx) {
  const url = ctx.servers.app100k.url;
  return { totp: await totpLogins(ctx, url), signed: await signedReads(ctx, url) };
}

/** Milliseconds run.js plans for this scenario (its time-left estimate). */
const plannedMs = (cfg) => cfg.runs * (STEP_MS / 2 + cfg.loginUsers * 80) + 20_000 + (2 * cfg.warmupS + 2 * cfg.runs * (cfg.durationS + 0.5)) * 1000;

module.exports = { run, plannedMs };
