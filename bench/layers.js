'use strict';
/**
 * Micro-benchmark of the layers of the authenticated path, in-process,
 * per call (ns/op):
 *   - jsonwebtoken.verify with a KeyObject (HS256, iss/aud checked)
 *   - @nestjs/jwt JwtService.verify with a string secret vs a KeyObject
 *   - passport-jwt's JwtStrategy authenticating a request, the way
 *     @nestjs/passport's AuthGuard drives it (passport.authenticate(...) per
 *     request, with fake req/res)
 *   - a verified-token cache hit (the server's VerifiedTokenCache, else a Map)
 *   - the revocation lookup in a 1,000,000-entry blocklist: a Set of strings, and the
 *     server's ExpiringIdSet (typed arrays) when built
 * It answers "what does each layer cost, and which can go": the guard keeps
 * the cache and the Set lookup on every request and leaves passport-jwt to
 * a token's first request (the memo's miss).
 *
 * Usage: node bench/layers.js [--quick] [--json]
 */
const { createSecretKey, randomBytes } = require('node:crypto');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const passport = require('passport');
const { Strategy: JwtStrategy, ExtractJwt } = require('passport-jwt');

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const DIST = path.resolve(__dirname, '..', 'dist', 'src');

function tryRequire(file) {
  try { return require(path.join(DIST, file)); } catch { return null; }
}

/** Median ns/op over several timed batches, after a warm-up batch. */
function measure(fn, opsPerBatch) {
  const batches = quick ? 3 : 7;
  for (let i = 0; i < opsPerBatch; i++) fn(i); // warm-up: let V8 optimise
  const perOp = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opsPerBatch; i++) fn(i);
    perOp.push(Number(process.hrtime.bigint() - t0) / opsPerBatch);
  }
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(perOp.length / 2)];
}

const secret = randomBytes(48).toString('base64url');
const key = createSecretKey(Buffer.from(secret));
const issuer = 'trading-auth';
const audience = 'trading-api';
const now = Math.floor(Date.now() / 1000);
const claims = {
  sub: '42', jti: randomBytes(16).toString('base64url'), iat: now, exp: now + 3600, iss: issuer, aud: audience,
  typ: 'access', sid: randomBytes(16).toString('base64url'), ver: 0, username: 'bench-u0042', permission_tier: 2,
};
const token = jwt.sign(claims, key, { algorithm: 'HS256' });
const verifyOptions = { algorithms: ['HS256'], issuer, audience };
const scale = quick ? 0.3 : 1;
const n = (x) => Math.max(1000, Math.round(x * scale));
const results = [];
let sink = 0; // keeps results alive so V8 cannot drop the work

// 1. jsonwebtoken.verify with a KeyObject.
results.push({ layer: 'jsonwebtoken.verify (HS256, KeyObject)', nsPerOp: measure(() => { sink += jwt.verify(token, key, verifyOptions).ver; }, n(20_000)) });

// 2. @nestjs/jwt with a string secret (parsed as a PEM attempt every call) vs a KeyObject.
try {
  const { JwtService } = require('@nestjs/jwt');
  const withString = new JwtService({ secret });
  const withKey = new JwtService({ secret: key });
  const tokenS = withString.sign(claims, { algorithm: 'HS256' });
  results.push({ layer: '@nestjs/jwt JwtService.verify, string secret', nsPerOp: measure(() => { sink += withString.verify(tokenS, verifyOptions).ver; }, n(2_000)) });
  results.push({ layer: '@nestjs/jwt JwtService.verify, KeyObject', nsPerOp: measure(() => { sink += withKey.verify(token, verifyOptions).ver; }, n(20_000)) });
} catch (error) {
  results.push({ layer: '@nestjs/jwt JwtService.verify', nsPerOp: NaN, note: String(error.message) });
}

// 3. passport-jwt through passport.authenticate, as @nestjs/passport's AuthGuard
//    does on every request: a new authenticate middleware, a strategy instance
//    per request (Object.create), extraction, verification, the verify callback.
passport.use(
  'jwt',
  new JwtStrategy(
    { jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: key, algorithms: ['HS256'], issuer, audience },
    (payload, done) => done(null, { id: Number(payload.sub), username: payload.username }),
  ),
);
let completed = 0;
function passportOnce() {
  const req = { headers: { authorization: `Bearer ${token}` } };
  const res = {};
  passport.authenticate('jwt', { session: false }, (err, user) => {
    if (err || !user) throw new Error('passport-jwt refused a valid token');
    completed++;
    sink += user.id;
  })(req, res, () => {});
}
completed = 0;
passportOnce();
if (completed !== 1) throw new Error('passport-jwt did not complete synchronously; the timing below would be wrong');
results.push({ layer: 'passport-jwt via passport.authenticate (per request)', nsPerOp: measure(passportOnce, n(20_000)) });

// 4. The verified-token cache hit (the server's class when dist/ is built).
const cacheModule = tryRequire('auth/services/verified-token-cache.js');
const principal = Object.freeze({ id: 42, username: 'bench-u0042', tier: 2, sessionId: claims.sid, jti: claims.jti, expiresAt: claims.exp, tokenVersion: 0 });
const tokens = Array.from({ length: 1000 }, (_, i) => `${token}${i}`); // 1,000 distinct live keys, like scenario 2
if (cacheModule) {
  const cache = new cacheModule.VerifiedTokenCache(100_000);
  for (const t of tokens) cache.set(t, principal, Date.now() + 3600_000);
  results.push({ layer: 'VerifiedTokenCache.get hit (server class, 1,000 keys)', nsPerOp: measure((i) => { sink += cache.get(tokens[i % 1000], Date.now()).id; }, n(1_000_000)) });
}
// In the server the token is a fresh substring of each request's header, so
// V8 must hash its ~400 characters on every lookup; the hits above reuse the
// same string objects, whose hash V8 has cached. These rows time what the
// guard really does: take the token out of the header (the server's
// bearerToken when built; a regex, as a common alternative, beside it), then
// the lookup with that fresh string.
const guardModule = tryRequire('auth/guards/jwt-auth.guard.js');
const BEARER = /^Bearer ([A-Za-z0-9\-_.]+)$/;
const headers = tokens.map((t) => `Bearer ${t}`);
results.push({ layer: 'Bearer regex extract from the header', nsPerOp: measure((i) => { sink += BEARER.exec(headers[i % 1000])[1].length; }, n(500_000)) });
if (guardModule) {
  results.push({ layer: 'bearerToken(header) (server function)', nsPerOp: measure((i) => { sink += guardModule.bearerToken(headers[i % 1000]).length; }, n(500_000)) });
}
if (cacheModule && guardModule) {
  const cache = new cacheModule.VerifiedTokenCache(100_000);
  for (const t of tokens) cache.set(t, principal, Date.now() + 3600_000);
  results.push({ layer: 'bearerToken + VerifiedTokenCache.get hit, fresh token string (the guard\'s path)', nsPerOp: measure((i) => { sink += cache.get(guardModule.bearerToken(headers[i % 1000]), Date.now()).id; }, n(500_000)) });
}
const map = new Map(tokens.map((t) => [t, principal]));
results.push({ layer: 'Map.get hit (1,000 keys of JWT length)', nsPerOp: measure((i) => { sink += map.get(tokens[i % 1000]).id; }, n(1_000_000)) });
// The memo before it keyed entries by the token's last characters: a Map keyed
// by the whole token, looked up with the fresh string.
if (guardModule) {
  results.push({ layer: 'bearerToken + Map.get keyed by the whole token, fresh token string (the memo before)', nsPerOp: measure((i) => { sink += map.get(guardModule.bearerToken(headers[i % 1000])).id; }, n(500_000)) });
}

// 5. The revocation lookup in a 1,000,000-entry blocklist (misses: the normal case of a valid token).
const setModule = tryRequire('revocation/expiring-id-set.js');
const jtis = Array.from({ length: 1_000_000 }, () => randomBytes(16).toString('base64url'));
const probes = Array.from({ length: 1000 }, () => randomBytes(16).toString('base64url'));
const set = new Set(jtis);
results.push({ layer: 'Set.has miss, 1,000,000 JTIs', nsPerOp: measure((i) => { sink += set.has(probes[i % 1000]) ? 1 : 0; }, n(1_000_000)) });
results.push({ layer: 'Set.has hit, 1,000,000 JTIs', nsPerOp: measure((i) => { sink += set.has(jtis[(i * 7919) % 1_000_000]) ? 1 : 0; }, n(1_000_000)) });
if (setModule) {
  const es = new setModule.ExpiringIdSet();
  for (const j of jtis) es.add(j, Date.now() + 3600_000);
  results.push({ layer: 'ExpiringIdSet.has miss (server class, typed arrays, 1,000,000 JTIs)', nsPerOp: measure((i) => { sink += es.has(probes[i % 1000]) ? 1 : 0; }, n(1_000_000)) });
  results.push({ layer: 'ExpiringIdSet.has hit (server class, typed arrays, 1,000,000 JTIs)', nsPerOp: measure((i) => { sink += es.has(jtis[(i * 7919) % 1_000_000]) ? 1 : 0; }, n(1_000_000)) });
}

// The access-log line of every request: built as a string (accessLogLine), and
// encoded straight into the log's batch buffer (the server's path), with the
// young-generation bytes each allocates (median of batches without a GC).
const accessLog = tryRequire('common/access-log.js');
const batcherModule = tryRequire('common/log-line-batcher.js');
if (accessLog && batcherModule && accessLog.AccessLogEncoder) {
  const v8 = require('node:v8');
  const newSpaceUsed = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_used_size;
  const bytesPerCall = (fn) => {
    const samples = [];
    for (let k = 0; k < 21; k++) {
      const before = newSpaceUsed();
      for (let i = 0; i < 1000; i++) fn(i);
      const after = newSpaceUsed();
      if (after >= before) samples.push((after - before) / 1000);
    }
    samples.sort((a, b) => a - b);
    return samples.length ? samples[samples.length >> 1] : NaN;
  };
  const requests = Array.from({ length: 64 }, (_, i) => ({ id: `req-${1000 + i}`, method: 'GET', url: '/auth/me', ip: '127.0.0.1' }));
  const reply = { statusCode: 200, elapsedTime: 0.734 };
  const asString = (i) => { sink += accessLog.accessLogLine(4242, Date.now(), requests[i & 63], reply).length; };
  const batcher = new batcherModule.LogLineBatcher({ write() {}, flush(cb) { cb(); }, flushSync() {} }, 65_536, 1000);
  batcher.stop();
  const encoder = new accessLog.AccessLogEncoder(4242);
  const encoded = (i) => { batcher.append(encoder, requests[i & 63], reply); };
  // The path before the encoder: strings collected and joined per 64 KB
  // batch, which sonic-boom then measured and fs.write encoded, on the main thread.
  let held = [];
  let heldLength = 0;
  const joined = (i) => {
    const line = accessLog.accessLogLine(4242, Date.now(), requests[i & 63], reply);
    held.push(line);
    heldLength += line.length;
    if (heldLength >= 65_536) {
      const text = held.join('');
      held = [];
      heldLength = 0;
      sink += Buffer.byteLength(text) + Buffer.from(text).length;
    }
  };
  const stringNs = measure(asString, n(500_000));
  const joinedNs = measure(joined, n(500_000));
  const encodedNs = measure(encoded, n(500_000));
  results.push({ layer: `access-log line as a string (accessLogLine; ${bytesPerCall(asString).toFixed(0)} bytes allocated)`, nsPerOp: stringNs });
  results.push({ layer: `access-log line as a string, batched, joined and encoded (the path before; ${bytesPerCall(joined).toFixed(0)} bytes allocated)`, nsPerOp: joinedNs });
  results.push({ layer: `access-log line encoded into the log batch (the server's path; ${bytesPerCall(encoded).toFixed(0)} bytes allocated)`, nsPerOp: encodedNs });
  // The same path for URLs a trading client sends: a query with no secret
  // in it (redacted through a string), a longer path, and a WebSocket token.
  for (const [label, url] of [
    ['a query without secrets', '/orders?symbol=EURUSD&side=buy&limit=50'],
    ['a longer path, no query', '/admin/users/12345/sessions'],
    ['a WebSocket token in the query', `/ws?token=${token}`],
  ]) {
    const withUrl = requests.map((request) => ({ ...request, url }));
    const encodedUrl = (i) => { batcher.append(encoder, withUrl[i & 63], reply); };
    const ns = measure(encodedUrl, n(500_000));
    results.push({ layer: `access-log line encoded, ${label} (${bytesPerCall(encodedUrl).toFixed(0)} bytes allocated)`, nsPerOp: ns });
  }
}

if (sink === 0.5) process.stdout.write(''); // use sink
if (asJson) {
  process.stdout.write(JSON.stringify({ results }) + '\n');
} else {
  for (const r of results) process.stdout.write(`${r.layer.padEnd(64)} ${r.nsPerOp.toFixed(0).padStart(9)} ns/op\n`);
}
