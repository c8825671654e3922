'use strict';
/**
 * Child-process and temp-file bookkeeping for the whole bench run.
 *
 * Every process the bench starts and every temp folder or schema it makes is
 * registered here, so one cleanup() can undo all of it: on success, on a
 * thrown error, and on Ctrl-C / SIGTERM. A benchmark that leaves a server
 * listening would skew the next run (and other people's tests).
 */
const { spawn, fork } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');

const children = new Set();
const tempDirs = new Set();
const asyncCleanups = [];
let cleaning = null;

function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** spawn() that is killed by cleanup(). */
function spawnTracked(command, args, options) {
  return track(spawn(command, args, options));
}

/** fork() (IPC channel) that is killed by cleanup(). */
function forkTracked(modulePath, args, options) {
  return track(fork(modulePath, args, options));
}

function registerTempDir(dir) {
  tempDirs.add(dir);
  return dir;
}

/** An async undo step (e.g. DROP DATABASE) run by cleanup(). */
function onCleanup(fn) {
  asyncCleanups.push(fn);
}

/** Sends SIGTERM, then SIGKILL if the process has not gone after `graceMs`. */
function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }, graceMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

function killAllSync() {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const dir of tempDirs) {
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  tempDirs.clear();
}

/** Stops every child, runs the async undo steps and removes temp folders. Idempotent. */
function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    await Promise.all([...children].map((c) => stopChild(c, 2000)));
    for (const fn of asyncCleanups.splice(0)) {
      try { await Promise.race([fn(), new Promise((r) => setTimeout(r, 5000))]); } catch { /* best effort */ }
    }
    killAllSync();
  })();
  return cleaning;
}

// Last resort: whatever path the orchestrator takes out, no child survives it.
process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping servers and load generators...\n`);
    cleanup().finally(() => process.exit(130));
  });
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** A TCP port that was free a moment ago (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True once cleanup() has begun: children exiting then are expected. */
const isCleaning = () => cleaning !== null;

module.exports = { isCleaning, spawnTracked, forkTracked, stopChild, registerTempDir, onCleanup, cleanup, rssBytes, freePort, sleep };
