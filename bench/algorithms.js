'use strict';
/**
 * `node bench/algorithms.js [--quick] [--no-build]`: HS256, ES256 and EdDSA
 * access tokens side by side, in one run (issue 24's "Measure"):
 *   - GET /auth/me with 200 users' tokens (verified-token memo hits);
 *   - POST /auth/refresh (a token signed per request) and POST /auth/login
 *     (users with a deliberately cheap argon2id hash, so the figure is the
 *     token work and not the password hash);
 *   - GET /auth/me with well-formed tokens whose signature is wrong (each a
 *     full verification, refused: what an attacker gets for free);
 *   - a token's first verification in this process, in µs (jsonwebtoken
 *     with a KeyObject for HS256, jose for ES256/EdDSA, as the server does).
 * One server per algorithm on its own SQLite file, autocannon -c 50 in its
 * own process; rounds alternate the order of the servers. It prints one JSON
 * document: `npm run bench` runs it as scenario 12 (`--skip=algorithms`).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { createPublicKey, createSecretKey } = require('node:crypto');
const { hash, Algorithm } = require('@node-rs/argon2');
const proc = require('./lib/proc');
const { createDatabase, seedUsers } = require('./lib/db');
const { startApp, ROOT, JWT_SECRET } = require('./lib/app-server');
const { loginAll } = require('./lib/api');
const { cannon } = require('./lib/load');
const { median } = require('./lib/stats');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const CFG = quick
  ? { users: 100, warmupS: 1, durationS: 3, runs: 2, connections: 50 }
  : { users: 200, warmupS: 2, durationS: 8, runs: 3, connections: 50 };
const ALGORITHMS = ['HS256', 'ES256', 'EdDSA'];
const PASSWORD = 'bench-password-Correct-Horse-1';
const CHEAP_ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** The token with its signature's middle changed: well-formed, never valid, never memoised. */
function badSignature(token) {
  const [h, p, s] = token.split('.');
  const bytes = Buffer.from(s, 'base64url');
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

async function firstVerificationMicros(alg, token, jwksUrl) {
  const n = 3000;
  if (alg === 'HS256') {
    const jwt = require('jsonwebtoken');
    const key = createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));
    const options = { algorithms: ['HS256'], issuer: 'trading-auth', audience: 'trading-api' };
    for (let i = 0; i < 500; i++) jwt.verify(token, key, options);
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) jwt.verify(token, key, options);
    return Number(process.hrtime.bigint() - started) / 1000 / n;
  }
  const { jwtVerify } = await import('jose');
  const { keys } = await (await fetch(jwksUrl)).json();
  const key = createPublicKey({ key: keys[0], format: 'jwk' });
  const options = { algorithms: [alg], issuer: 'trading-auth', audience: 'trading-api' };
  for (let i = 0; i < 500; i++) await jwtVerify(token, key, options);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await jwtVerify(token, key, options);
  return Number(process.hrtime.bigint() - started) / 1000 / n;
}

async function main() {
  const tmpDir = proc.registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'trading-auth-alg-bench-')));
  if (!args.includes('--no-build')) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr.slice(-500)}`);
  }
  const cheap = await hash(PASSWORD, CHEAP_ARGON2);
  const usernames = Array.from({ length: CFG.users }, (_, i) => `alg-u${String(i).padStart(4, '0')}`);
  const targets = {};
  for (const alg of ALGORITHMS) {
    const db = await createDatabase('sqlite', { tmpDir, name: `alg-${alg}` });
    const migrator = await startApp({ name: `alg-${alg}-migrate`, tmpDir, databaseUrl: db.serverUrl, env: { JWT_ALGORITHM: alg } });
    await migrator.stop();
    await seedUsers(db, usernames.map((username) => ({ username, hash: cheap, tier: 2 })));
    // LOG_LEVEL=warn: the access log is the same for all three; leave it out of the comparison.
    const server = await startApp({ name: `alg-${alg}`, tmpDir, databaseUrl: db.serverUrl, logLevel: 'warn', env: { JWT_ALGORITHM: alg } });
    const sessions = await loginAll(server.url, usernames, PASSWORD, 4);
    targets[alg] = {
      server,
      tokens: sessions.map((s) => s.access_token),
      bad: sessions.map((s) => badSignature(s.access_token)),
      refreshBodies: sessions.map((s) => ({ refresh_token: s.refresh_token })),
      loginBodies: usernames.map((username) => ({ username, password: PASSWORD })),
    };
  }
  const loads = {
    me: (t) => ({ path: '/auth/me', tokens: t.tokens }),
    badSignature: (t) => ({ path: '/auth/me', tokens: t.bad }),
    refresh: (t) => ({ method: 'POST', path: '/auth/refresh', bodies: t.refreshBodies }),
    login: (t) => ({ method: 'POST', path: '/auth/login', bodies: t.loginBodies }),
  };
  const figures = Object.fromEntries(ALGORITHMS.map((alg) => [alg, Object.fromEntries(Object.keys(loads).map((k) => [k, []]))]));
  for (const alg of ALGORITHMS)
    for (const load of Object.values(loads))
      await cannon({ url: targets[alg].server.url, connections: CFG.connections, duration: CFG.warmupS, ...load(targets[alg]) }, tmpDir);
  for (let round = 1; round <= CFG.runs; round++) {
    const order = round % 2 ? ALGORITHMS : [...ALGORITHMS].reverse();
    for (const [name, load] of Object.entries(loads))
      for (const alg of order) {
        const r = await cannon({ url: targets[alg].server.url, connections: CFG.connections, duration: CFG.durationS, ...load(targets[alg]) }, tmpDir);
        const expected = name === 'badSignature' ? 401 : 200;
        const wrong = Object.entries(r.statusCodes || {}).filter(([code]) => Number(code) !== expected);
        if (wrong.length) process.stderr.write(`warning: ${alg} ${name}: ${JSON.stringify(r.statusCodes)}\n`);
        // Refusals are the answers wanted for bad signatures: count 401s then.
        const rate = name === 'badSignature' ? (r.statusCodes['401'] || 0) / r.durationS : r.rps;
        figures[alg][name].push(rate);
        process.stderr.write(`round ${round} ${name} ${alg}: ${Math.round(rate)} req/s\n`);
      }
  }
  const results = { config: CFG, loadavg: os.loadavg(), cpus: os.cpus().length, node: process.version, algorithms: {} };
  for (const alg of ALGORITHMS) {
    const medians = Object.fromEntries(Object.entries(figures[alg]).map(([k, v]) => [k, Math.round(median(v))]));
    results.algorithms[alg] = {
      rps: medians,
      runs: figures[alg],
      firstVerificationMicros: Number(
        (await firstVerificationMicros(alg, targets[alg].tokens[0], `${targets[alg].server.url}/.well-known/jwks.json`)).toFixed(1),
      ),
    };
  }
  for (const alg of ['ES256', 'EdDSA'])
    results.algorithms[alg].vsHS256 = Object.fromEntries(
      Object.keys(loads).map((k) => [k, Number((results.algorithms[alg].rps[k] / results.algorithms.HS256.rps[k]).toFixed(3))]),
    );
  for (const alg of ALGORITHMS) await targets[alg].server.stop();
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main()
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  })
  .finally(() => proc.cleanup());
