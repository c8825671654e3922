'use strict';
/**
 * Starts the real server (dist/src/main.js) in production mode on a free
 * loopback port and waits until GET /health answers 200.
 *
 * stdout/stderr go straight to files (not through a pipe into this process),
 * so reading the server's logs costs the orchestrator nothing during load,
 * and the JSON log lines can be parsed afterwards ("revocation state loaded
 * in N ms").
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnTracked, stopChild, freePort, sleep, isCleaning } = require('./proc');

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

/**
 * The node flags `npm run start:prod` gives the server (package.json), so the
 * bench runs it exactly as production does: the young-generation size there
 * changes the cost of a request by a third (docs/operations.md, Node flags).
 */
function productionNodeFlags() {
  const script = require(path.join(ROOT, 'package.json')).scripts['start:prod'];
  const m = /\bnode((?:\s+--\S+)*)\s+dist\/src\/main\.js/.exec(script);
  if (!m) throw new Error(`cannot read the node flags from package.json's start:prod: ${script}`);
  return m[1].split(/\s+/).filter(Boolean);
}
const PRODUCTION_NODE_FLAGS = productionNodeFlags();
const HUGE = String(1_000_000_000);

/** One secret for every server of the run: tokens from one instance verify on another. */
const JWT_SECRET = require('node:crypto').randomBytes(48).toString('base64url');
const DATA_ENCRYPTION_KEY = require('node:crypto').randomBytes(32).toString('base64');

async function waitFor(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await sleep(20);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

/**
 * @param {object} o
 * @param {string} o.name      label for log files
 * @param {string} o.tmpDir    data dir and log location (the server's cwd, so no stray .env is read)
 * @param {string} o.databaseUrl
 * @param {string} [o.logLevel]
 * @param {object} [o.env]     extra settings (WS limits, hash concurrency, ...)
 */
async function startApp(o) {
  const port = await freePort();
  const logFile = path.join(o.tmpDir, `${o.name}-${port}.log`);
  const out = fs.openSync(logFile, 'w');
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: o.tmpDir,
    DATABASE_URL: o.databaseUrl,
    JWT_SECRET,
    DATA_ENCRYPTION_KEY,
    // The production default: one access-log line per request, to the log file
    // stdout is redirected to, as a container runtime would.
    LOG_LEVEL: o.logLevel || 'info',
    // A bench run outlives the default 15 min tokens in full mode.
    ACCESS_TOKEN_TTL: '7200',
    // Rate limits exist to stop abuse; here they would only measure 429s.
    RATE_LIMIT_IP_MAX: HUGE,
    RATE_LIMIT_USER_MAX: HUGE,
    RATE_LIMIT_LOGIN_MAX: HUGE,
    // PASSWORD_HASH_CONCURRENCY / _QUEUE set for the bench reach the server
    // too, so scenario 4's hash ceiling and the server use the same bound.
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('PASSWORD_HASH_') || key === 'AUDIT')),
    ...(o.env || {}),
  };
  const started = Date.now();
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the
  // servers under the bench's load; V8 flags such as --prof are refused in NODE_OPTIONS.
  const nodeArgs = [...PRODUCTION_NODE_FLAGS, ...(o.nodeArgs || (process.env.BENCH_SERVER_NODE_ARGS || '').split(' ').filter(Boolean))];
  // o.main: another build's dist/src/main.js, to compare two versions side by side.
  const child = spawnTracked(process.execPath, [...nodeArgs, o.main || MAIN], { cwd: o.tmpDir, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/health`, child, o.startTimeoutMs || 180_000);
  } catch (error) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    await stopChild(child);
    throw new Error(`server ${o.name} did not start: ${error.message}\n${tail}`);
  }
  const startupMs = Date.now() - started;
  let stopping = false;
  child.once('exit', (code, signal) => {
    // Say so at once: a server that dies mid-run (crash, OOM, a broad pkill
    // from someone else) otherwise only shows up as odd figures.
    if (!stopping && !isCleaning()) process.stderr.write(`\nserver ${o.name} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}; log: ${logFile}\n`);
  });
  return {
    name: o.name,
    url,
    port,
    pid: child.pid,
    child,
    startupMs,
    logFile,
    /** ms from the "revocation state loaded in N ms" line (needs LOG_LEVEL=info). */
    revocationLoad() {
      const text = fs.readFileSync(logFile, 'utf8');
      for (const line of text.split('\n')) {
        const m = /revocation state loaded in (\d+) ms: (\d+) blocklisted/.exec(line);
        if (m) return { ms: Number(m[1]), entries: Number(m[2]) };
      }
      return null;
    },
    stop: () => {
      stopping = true;
      return stopChild(child, 5000);
    },
  };
}

/** Starts a floor server script (bench/servers/*.js) and waits until it answers. */
async function startFloor(name, script, tmpDir) {
  const port = await freePort();
  const logFile = path.join(tmpDir, `${name}-${port}.log`);
  const out = fs.openSync(logFile, 'w');
  // The same node flags as the server: the floors answer what this runtime gives a bare app.
  const child = spawnTracked(process.execPath, [...PRODUCTION_NODE_FLAGS, script], {
    env: { PATH: process.env.PATH, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ping`, child, 30_000);
  return { name, url, port, pid: child.pid, child, stop: () => stopChild(child) };
}

module.exports = { startApp, startFloor, ROOT, MAIN, JWT_SECRET, DATA_ENCRYPTION_KEY, PRODUCTION_NODE_FLAGS };
