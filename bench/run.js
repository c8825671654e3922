'use strict';
/**
 * `npm run bench` / `npm run bench -- --quick`: what authentication costs,
 * measured beside the floors it cannot beat. See "How the benchmark runs" in bench/RESULTS.md and
 * the header of each file under bench/scenarios/.
 *
 * Flow: build -> make fresh databases (schema by the server's own migrations)
 * -> seed users and blocklist rows directly -> start the servers -> obtain
 * real tokens by logging in -> run the scenarios from separate load-generator
 * processes -> write bench/RESULTS.md, bench/results.json and the SVG charts
 * RESULTS.md embeds (bench/charts/, see lib/charts.js) -> stop
 * everything (also on failure or Ctrl-C, see lib/proc.js).
 *
 * Options: --quick, --no-build (use the existing dist/), --skip=read,login,credentials,refresh,ws,multi,layers,audit,metrics,idem,algorithms,
 * --out=DIR (write the results and charts/ there, not over bench/'s)
 * Env: BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/test to run on MariaDB
 *      (scenario 5 then runs on SQLite too, for comparison).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { hash, Algorithm } = require('@node-rs/argon2');

const proc = require('./lib/proc');
const progress = require('./lib/progress');
const { machineInfo } = require('./lib/machine');
const { createDatabase, seedUsers, seedBlocklist } = require('./lib/db');
const { startApp, startFloor, ROOT } = require('./lib/app-server');
const { createApiKey, loginAll, pool } = require('./lib/api');
const { summary } = require('./lib/stats');
const report = require('./lib/report');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// --out=DIR writes RESULTS.md, results.json and charts/ there instead of bench/ (for trial runs).
const outDir = path.resolve((args.find((a) => a.startsWith('--out=')) || `--out=${__dirname}`).slice(6));
const skip = new Set((args.find((a) => a.startsWith('--skip=')) || '--skip=').slice(7).split(',').filter(Boolean));

const CFG = quick
  ? { connections: 50, warmupS: 1, durationS: 3, runs: 2, startupRuns: 1, loginRuns: 1, loginDurationS: 4, logoutSessions: 1000, wsRuns: 1, wsSockets: 2000, wsLogouts: 30, wsInFlight: 100 }
  : { connections: 50, warmupS: 3, durationS: 10, runs: 3, startupRuns: 3, loginRuns: 3, loginDurationS: 10, logoutSessions: 4000, wsRuns: 3, wsSockets: 10000, wsLogouts: 100, wsInFlight: 100 };
CFG.tokenUsers = 1000;
CFG.loginUsers = 64;
// Scenario 9: users who log in with a TOTP code (as many as loginUsers, in
// pairs with them) and Ed25519 keys for the signed reads.
CFG.mfaUsers = CFG.loginUsers;
CFG.signedKeys = 1000;
CFG.lightRate = 400; // req/s of the "light" GET /auth/me load beside the login storm
// Logging-in connections beside the reader's connections: the bench's first
// shape, and the one an outside review measured (8 + 10).
CFG.loginShapes = [
  { loginConnections: 16, readerConnections: 4 },
  { loginConnections: 8, readerConnections: 10 },
];

const BLOCKLIST = { small: 100_000, large: 1_000_000 };
const PASSWORD = 'bench-password-Correct-Horse-1';
/**
 * Users whose only job is to hand out tokens get a deliberately cheap argon2id
 * hash (verify reads the parameters from the hash): logging in 1,000 users
 * and thousands of logout sessions would otherwise take minutes of set-up.
 * The login scenario uses its own users with the server's real ARGON2_OPTIONS.
 */
const CHEAP_ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };

function serverArgon2Options() {
  // The server's own constant, from the build, so the hash ceiling uses the same cost.
  const mod = require(path.join(ROOT, 'dist', 'src', 'credentials', 'services', 'password-hasher.service.js'));
  return { ...mod.ARGON2_OPTIONS };
}

function build(results) {
  if (args.includes('--no-build')) return;
  progress.log('building the server (npm run build)');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    const main = path.join(ROOT, 'dist', 'src', 'main.js');
    const msg = `npm run build failed (status ${r.status}); ${fs.existsSync(main) ? 'using the existing dist/' : 'no dist/ to fall back on'}: ${(r.stdout + r.stderr).slice(-800)}`;
    if (!fs.existsSync(main)) throw new Error(msg);
    progress.log(`warning: ${msg}`);
    results.errors.push(msg.split('\n')[0]);
  }
}

/** Fresh database with schema (server migrations), users and `blocklistRows` live rows. */
async function prepareDatabase(kind, name, tmpDir, users, blocklistRows) {
  const db = await createDatabase(kind, { tmpDir, name, mysqlUrl: process.env.BENCH_DATABASE_URL });
  progress.log(`database ${name} (${kind}): migrating, seeding ${users.length} users and ${blocklistRows.toLocaleString('en')} blocklist rows`);
  const migrator = await startApp({ name: `${name}-migrate`, tmpDir, databaseUrl: db.serverUrl });
  await migrator.stop();
  await seedUsers(db, users);
  await seedBlocklist(db, blocklistRows);
  return db;
}

async function main() {
  const tmpDir = proc.registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'trading-auth-bench-')));
  const primaryKind = process.env.BENCH_DATABASE_URL ? 'mysql' : 'sqlite';
  const hashConcurrency = Number(process.env.PASSWORD_HASH_CONCURRENCY) || Math.max(1, os.availableParallelism() - 1);
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: machineInfo(),
    database: primaryKind === 'mysql' ? `MariaDB/MySQL (${new URL(process.env.BENCH_DATABASE_URL).host}, fresh schema per server)` : 'embedded SQLite (fresh files per server)',
    config: CFG,
    blocklist: BLOCKLIST,
    scenarios: {},
    errors: [],
  };
  // Figures from different Node majors are not comparable; say which one ran
  // before anything else (RESULTS.md's Machine line and results.json carry it too).
  progress.log(`Node ${process.version} (${process.execPath}), ${results.mode} run`);
  // The plan for the "time left" estimate: load durations plus set-up allowances.
  progress.plan(60_000 + (skip.has('layers') ? 0 : quick ? 8000 : 20000));
  if (!skip.has('read')) progress.plan(7 * (CFG.warmupS + CFG.runs * (CFG.durationS + 0.5)) * 1000 + CFG.startupRuns * 8000);
  // Per shape: the measured rounds, then one timeline run (reader before, during and after a storm).
  if (!skip.has('login')) progress.plan(CFG.loginShapes.length * (CFG.loginRuns * (3 * CFG.loginDurationS + 1) + require('./scenarios/login').timelineS(CFG) + 1) * 1000);
  if (!skip.has('credentials')) progress.plan(require('./scenarios/credentials').plannedMs(CFG));
  if (!skip.has('refresh')) progress.plan((primaryKind === 'mysql' ? 2 : 1) * (CFG.warmupS * 1000 + CFG.runs * (CFG.durationS * 1000 + CFG.logoutSessions * 2 + 3000)));
  if (!skip.has('audit')) progress.plan(30_000 + 2 * (CFG.warmupS + CFG.runs * (CFG.durationS + CFG.loginDurationS)) * 1000);
  if (!skip.has('metrics')) progress.plan(2 * (CFG.warmupS + CFG.runs * (CFG.durationS + 0.5)) * 1000);
  if (!skip.has('algorithms')) progress.plan(quick ? 90_000 : 360_000);
  if (!skip.has('ws')) progress.plan(CFG.wsRuns * (5000 + CFG.wsLogouts * 40) + 5000);
  if (!skip.has('multi')) progress.plan(20_000 + CFG.wsLogouts * 40 + 2 * (CFG.warmupS + CFG.runs * CFG.durationS) * 1000);
  if (!skip.has('idem')) progress.plan(require('./scenarios/idempotency').plannedMs(CFG));

  build(results);
  const argon2Options = serverArgon2Options();
  results.argon2Options = argon2Options;

  progress.log('hashing the seed passwords (one real, one cheap hash, reused for all users)');
  const realHash = await hash(PASSWORD, argon2Options);
  const cheapHash = await hash(PASSWORD, CHEAP_ARGON2);
  const tokenUsers = Array.from({ length: CFG.tokenUsers }, (_, i) => `bench-u${String(i).padStart(4, '0')}`);
  const loginUsers = Array.from({ length: CFG.loginUsers }, (_, i) => `bench-login${String(i).padStart(3, '0')}`);
  const mfaUsers = Array.from({ length: CFG.mfaUsers }, (_, i) => `bench-mfa${String(i).padStart(3, '0')}`);
  const users = [
    ...tokenUsers.map((username) => ({ username, hash: cheapHash, tier: 2 })),
    ...[...loginUsers, ...mfaUsers].map((username) => ({ username, hash: realHash, tier: 2 })),
  ];

  const dbSmall = await prepareDatabase(primaryKind, 'small', tmpDir, users, BLOCKLIST.small);
  const dbLarge = skip.has('read') ? null : await prepareDatabase(primaryKind, 'large', tmpDir, users, BLOCKLIST.large);
  progress.advance(20_000);

  const servers = {};
  // Tokens come from a server that is then stopped: the 100k and the 1M
  // servers must have the same history (none) before they are compared; the
  // one that had served 1,000 logins was consistently slower on /auth/me.
  progress.log(`logging in ${tokenUsers.length} users for real access tokens`);
  const issuer = await startApp({ name: 'issuer', tmpDir, databaseUrl: dbSmall.serverUrl });
  const sessions = await loginAll(issuer.url, tokenUsers, PASSWORD, 4);
  const tokens = sessions.map((s) => s.access_token);
  // API keys of as many users as there are tokens, for /auth/me with X-API-Key.
  progress.log(`creating ${tokens.length} API keys`);
  const apiKeys = await pool(tokens.length, 4, (i) => createApiKey(issuer.url, tokens[i], PASSWORD));
  await issuer.stop();
  progress.log('starting the server with 100k blocklisted JTIs');
  servers.app100k = await startApp({ name: 'app-100k', tmpDir, databaseUrl: dbSmall.serverUrl });
  const ctx = { cfg: CFG, tmpDir, progress, servers, tokens, apiKeys, tokenUsers, loginUsers, mfaUsers, password: PASSWORD, argon2Options, hashConcurrency, blocklist: BLOCKLIST, root: ROOT };

  if (!skip.has('read')) {
    // Start-up with 1,000,000 rows: LOG_LEVEL=info for the server's own
    // "revocation state loaded in N ms" line; those servers are then stopped,
    // because at info the server also logs every request.
    const spawnToHealth = [];
    const loadMs = [];
    for (let i = 1; i <= CFG.startupRuns; i++) {
      progress.log(`scenario 3: start-up with 1,000,000 blocklisted JTIs, run ${i}/${CFG.startupRuns}`);
      const s = await startApp({ name: `startup-1m-${i}`, tmpDir, databaseUrl: dbLarge.serverUrl, logLevel: 'info' });
      const line = s.revocationLoad();
      spawnToHealth.push(s.startupMs);
      loadMs.push(line ? line.ms : NaN);
      if (line && line.entries !== BLOCKLIST.large) results.errors.push(`the 1M server loaded ${line.entries} blocklisted JTIs, expected ${BLOCKLIST.large}`);
      await s.stop();
      progress.advance(8000);
    }
    results.scenarios.startup = {
      spawnToHealthMs: summary(spawnToHealth),
      revocationLoadMs: summary(loadMs),
      smallSpawnToHealthMs: servers.app100k.startupMs,
    };
    progress.log('starting the floors and the server with 1M blocklisted JTIs');
    servers.floorHttp = await startFloor('floor-http', path.join(__dirname, 'servers', 'floor-http.js'), tmpDir);
    servers.floorNest = await startFloor('floor-nest', path.join(__dirname, 'servers', 'floor-nest.js'), tmpDir);
    servers.app1m = await startApp({ name: 'app-1m', tmpDir, databaseUrl: dbLarge.serverUrl });
    results.scenarios.read = await require('./scenarios/read').run(ctx);
    // Free the cores and memory for what follows.
    await Promise.all([servers.floorHttp.stop(), servers.floorNest.stop(), servers.app1m.stop()]);
  }

  if (!skip.has('login')) {
    const login = require('./scenarios/login');
    results.scenarios.login = [];
    for (const shape of CFG.loginShapes) results.scenarios.login.push(await login.run(ctx, shape));
  }

  if (!skip.has('credentials')) results.scenarios.credentials = await require('./scenarios/credentials').run(ctx);

  if (!skip.has('refresh')) {
    const refreshLogout = require('./scenarios/refresh-logout');
    results.scenarios.refreshLogout = [];
    const label = primaryKind === 'mysql' ? 'MariaDB' : 'SQLite';
    results.scenarios.refreshLogout.push(await refreshLogout.run(ctx, { label, url: servers.app100k.url, refreshTokens: sessions.map((s) => s.refresh_token) }));
    if (primaryKind === 'mysql') {
      // The comparison the issue asks for: the same on the embedded driver.
      const dbSqlite = await prepareDatabase('sqlite', 'sqlite-cmp', tmpDir, users, BLOCKLIST.small);
      const s = await startApp({ name: 'app-sqlite-cmp', tmpDir, databaseUrl: dbSqlite.serverUrl });
      const own = await loginAll(s.url, tokenUsers, PASSWORD, 4);
      results.scenarios.refreshLogout.push(await refreshLogout.run(ctx, { label: 'SQLite', url: s.url, refreshTokens: own.map((x) => x.refresh_token) }));
      await s.stop();
    }
  }

  if (!skip.has('audit')) {
    results.scenarios.audit = await require('./scenarios/audit').run(ctx, {
      prepare: (name) => prepareDatabase(primaryKind, name, tmpDir, users, 0),
      startApp,
    });
  }

  // The WebSocket scenario gets a fresh server on the same database (its
  // RSS is not inflated by the load above), with per-user socket limits
  // raised so 10,000 sockets fit on 1,000 users.
  await servers.app100k.stop();
  if (!skip.has('metrics')) {
    results.scenarios.metrics = await require('./scenarios/metrics').run(ctx, { databaseUrl: dbSmall.serverUrl, startApp });
  }

  if (!skip.has('ws')) {
    const ws = require('./scenarios/websocket');
    try {
      results.scenarios.websocket = await ws.run(ctx, () =>
        startApp({ name: 'app-ws', tmpDir, databaseUrl: dbSmall.serverUrl, env: { WS_MAX_SOCKETS_PER_USER: '100', WS_MAX_SOCKETS: '100000' } }),
      );
    } catch (error) {
      results.scenarios.websocket = { status: 'not run: failed', reason: error.message.split('\n')[0] };
      results.errors.push(`websocket: ${error.message.split('\n')[0]}`);
    }
    if (results.scenarios.websocket.status !== 'run') progress.log(`scenario 6: ${results.scenarios.websocket.status} (${results.scenarios.websocket.reason})`);
  }

  if (!skip.has('multi')) {
    try {
      results.scenarios.multiInstance = await require('./scenarios/multi-instance').run(ctx, { databaseUrl: dbSmall.serverUrl });
    } catch (error) {
      results.scenarios.multiInstance = { status: 'not run: failed', reason: error.message.split('\n')[0] };
      results.errors.push(`multi-instance: ${error.message.split('\n')[0]}`);
    }
    progress.advance(20_000);
  }

  if (!skip.has('idem')) {
    results.scenarios.idempotency = await require('./scenarios/idempotency').run(ctx, {
      prepare: (name) => prepareDatabase(primaryKind, name, tmpDir, users, 0),
      startApp,
      startRedis: require('./scenarios/multi-instance').startRedis,
      databaseLabel: primaryKind === 'mysql' ? 'MariaDB' : 'SQLite',
    });
  }

  if (!skip.has('algorithms')) {
    // Its own servers, one per JWT_ALGORITHM, on files of their own; progress on stderr.
    progress.log('scenario 12: HS256, ES256 and EdDSA access tokens side by side (bench/algorithms.js)');
    const out = execFileSync(process.execPath, [path.join(__dirname, 'algorithms.js'), '--no-build', ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] });
    results.scenarios.algorithms = JSON.parse(out);
    progress.advance(quick ? 90_000 : 360_000);
  }

  if (!skip.has('layers')) {
    progress.log('layers micro-benchmark (in-process ns/op)');
    const out = execFileSync(process.execPath, [path.join(__dirname, 'layers.js'), '--json', ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
    results.scenarios.layers = JSON.parse(out.trim().split('\n').pop());
  }

  results.durationS = progress.elapsedMs() / 1000;
  results.machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  // The figures this run replaces, shown beside the new ones.
  const previousFile = path.join(outDir, 'results.json');
  if (fs.existsSync(previousFile)) {
    const previous = JSON.parse(fs.readFileSync(previousFile, 'utf8'));
    results.previous = { date: previous.date, mode: previous.mode, targets: previous.targets || [] };
  }
  const targets = report.write(results, outDir);
  process.stdout.write('\n');
  for (const t of targets) process.stdout.write(`${t.met === null ? 'NOT RUN' : t.met ? 'met    ' : 'NOT MET'}  ${t.scenario}: ${t.figure} (target ${t.target})\n`);
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), outDir) || '.'}/RESULTS.md, results.json and charts/ in ${results.durationS.toFixed(0)} s.\n`);
}

main()
  .then(() => proc.cleanup())
  .catch(async (error) => {
    process.stderr.write(`\nbench failed: ${error.stack || error}\n`);
    await proc.cleanup();
    process.exitCode = 1;
  });
