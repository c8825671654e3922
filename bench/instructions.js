'use strict';
/**
 * Instructions per request, counted by valgrind's callgrind: the NestJS
 * floor's `/shaped` route, this application's `@Public()` route of the same
 * shape (bench/servers/app-public-shaped.js), and `GET /auth/me`, at the
 * production defaults (`LOG_LEVEL=info` unless --log-level says otherwise).
 *
 * Why: on a shared 2-core host, wall-clock figures of the same build moved by
 * a quarter from one round to the next, so a change of a few per cent cannot
 * be seen end to end. Instructions do not depend on what else the host is
 * doing. They are not time (cache misses and the kernel's work are not in
 * them), and V8's tiering still varies between processes: figures of two
 * server processes of the same build were seen 10 % apart, so compare rounds
 * within one process, and treat cross-process differences under about 10 %
 * as noise.
 *
 * Each server runs under callgrind with instrumentation off, is warmed up
 * (--warm requests per route, -c 10), then instrumented; after one settling
 * round, each round counts the whole process (every thread) over --requests
 * requests of one route. About 5 minutes for the three routes.
 *
 * --write adds an authenticated `POST /bench/write` of the same shape, which
 * the write rate limits (per address and per user) are charged on.
 *
 * Usage: node bench/instructions.js [--requests=3000] [--warm=30000] [--rounds=2] [--log-level=info] [--write]
 * Needs valgrind (`callgrind_control` on PATH) and a build in dist/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { hash, Algorithm } = require('@node-rs/argon2');
const proc = require('./lib/proc');
const { cannon } = require('./lib/load');
const { createDatabase, seedUsers } = require('./lib/db');
const { startApp, JWT_SECRET, DATA_ENCRYPTION_KEY, PRODUCTION_NODE_FLAGS } = require('./lib/app-server');
const { loginAll } = require('./lib/api');

const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
};
const REQUESTS = Number(option('requests', 3000));
const WARM = Number(option('warm', 30000));
const ROUNDS = Number(option('rounds', 2));
const LOG_LEVEL = option('log-level', 'info');
const WRITE = process.argv.includes('--write');
const PASSWORD = 'bench-password-Correct-Horse-1';
const HUGE = String(1_000_000_000);

// valgrind names its control pipe after USER and HOST; the server's HOST is
// its listen address, so callgrind_control must be run with the same two.
const CONTROL_ENV = { ...process.env, USER: 'root', HOST: '127.0.0.1' };

function callgrindControl(args) {
  execFileSync('callgrind_control', args, { env: CONTROL_ENV, stdio: 'ignore' });
}

/** Dumps the counters (which also zeroes them) and returns the dump's total. */
async function dumpTotal(pid, outDir) {
  const before = new Set(fs.readdirSync(outDir));
  callgrindControl(['--dump', String(pid)]);
  for (let i = 0; i < 600; i++) {
    for (const file of fs.readdirSync(outDir).filter((f) => f.startsWith(`cg-${pid}.`) && !before.has(f))) {
      const total = /^totals: (\d+)/m.exec(fs.readFileSync(path.join(outDir, file), 'utf8'));
      if (total) return Number(total[1]);
    }
    await proc.sleep(100);
  }
  throw new Error(`callgrind wrote no dump for pid ${pid}`);
}

async function waitForHealth(url, child) {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {}
    await proc.sleep(500);
  }
  throw new Error(`${url} did not answer within 10 minutes under valgrind`);
}

async function main() {
  try {
    execFileSync('callgrind_control', ['-h'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed (callgrind_control not found)');
  }
  const tmpDir = proc.registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), 'trading-auth-instructions-')));
  const cheap = await hash(PASSWORD, { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const names = Array.from({ length: 1000 }, (_, i) => `bench-u${String(i).padStart(4, '0')}`);
  const db = await createDatabase('sqlite', { tmpDir, name: 'instructions' });
  const migrator = await startApp({ name: 'migrate', tmpDir, databaseUrl: db.serverUrl });
  await migrator.stop();
  await seedUsers(db, names.map((username) => ({ username, hash: cheap, tier: 2 })));
  const issuer = await startApp({ name: 'issuer', tmpDir, databaseUrl: db.serverUrl });
  const tokens = (await loginAll(issuer.url, names, PASSWORD, 4)).map((s) => s.access_token);
  await issuer.stop();

  const servers = [
    { name: 'floor', script: path.join(__dirname, 'servers', 'floor-nest.js'), health: '/ping', routes: [['NestJS floor, /shaped', '/shaped']] },
    {
      name: 'app',
      script: path.join(__dirname, 'servers', 'app-public-shaped.js'),
      health: '/health',
      routes: [
        ['this application, @Public() /bench/shaped', '/bench/shaped'],
        ['this application, GET /auth/me', '/auth/me'],
        ...(WRITE ? [['this application, POST /bench/write', '/bench/write', 'POST']] : []),
      ],
    },
  ];
  const results = [];
  for (const server of servers) {
    const port = await proc.freePort();
    const env = {
      PATH: process.env.PATH,
      USER: 'root',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: tmpDir,
      DATABASE_URL: db.serverUrl,
      JWT_SECRET,
      DATA_ENCRYPTION_KEY,
      LOG_LEVEL,
      ACCESS_TOKEN_TTL: '7200',
      RATE_LIMIT_IP_MAX: HUGE,
      RATE_LIMIT_USER_MAX: HUGE,
    };
    const log = fs.openSync(path.join(tmpDir, `${server.name}.log`), 'w');
    const child = proc.spawnTracked(
      'valgrind',
      ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${tmpDir}/cg-%p`, process.execPath, ...PRODUCTION_NODE_FLAGS, server.script],
      { env, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    process.stderr.write(`${server.name}: starting under valgrind\n`);
    await waitForHealth(`${url}${server.health}`, child);
    for (const [, route, method] of server.routes) {
      process.stderr.write(`${server.name}: warming ${route} (${WARM} requests)\n`);
      await cannon({ url, method, path: route, tokens, connections: 10, amount: WARM, timeout: 60 }, tmpDir);
    }
    callgrindControl(['--instr=on', String(child.pid)]);
    // Round 0 is not reported: once instrumented, V8 still finishes compiling
    // (the floor's first instrumented round counted 176k against 98k after).
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [label, route, method] of server.routes) {
        await dumpTotal(child.pid, tmpDir); // zero the counters
        const r = await cannon({ url, method, path: route, tokens, connections: 10, amount: REQUESTS, timeout: 60 }, tmpDir);
        const total = await dumpTotal(child.pid, tmpDir);
        if (r.non2xx || r.errors) throw new Error(`${route}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        process.stderr.write(`${label}, round ${round}${round === 0 ? ' (settling, not reported)' : ''}: ${Math.round(total / REQUESTS).toLocaleString('en')} instructions a request\n`);
        if (round > 0) results.push({ label, round, perRequest: Math.round(total / REQUESTS) });
      }
    }
    await proc.stopChild(child, 5000);
  }
  console.log(`\nInstructions per request (callgrind, whole process, ${REQUESTS} requests a round, LOG_LEVEL=${LOG_LEVEL}):`);
  for (const { label, round, perRequest } of results) console.log(`  ${label}, round ${round}: ${perRequest.toLocaleString('en')}`);
}

main()
  .then(() => proc.cleanup())
  .catch(async (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    await proc.cleanup();
    process.exit(1);
  });
