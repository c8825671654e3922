'use strict';
/**
 * Holds many authenticated WebSocket connections open, in its own process,
 * and times REST logout -> close of the logged-out token's sockets. Both ends
 * of that timing are on this process's clock, so no cross-process skew.
 *
 * Driven over IPC (forked by scenarios/websocket.js):
 *   { cmd: 'open', wsUrl, tokens, perToken, inFlight } -> { opened, failed, ms, firstError }
 *   { cmd: 'logouts', httpUrl, indices }               -> { samples: [{ ms, status, closed, codes }] }
 *   { cmd: 'close' }                                   -> exits
 */
const WebSocket = require('ws');

/** sockets[tokenIndex] = WebSocket[] */
let sockets = [];
let tokens = [];

function openOne(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ error: `HTTP ${res.statusCode}` }));
    ws.once('error', (error) => resolve({ error: error.code || error.message }));
    ws.on('error', () => {}); // later errors must not crash the holder
  });
}

async function open({ wsUrl, tokens: list, perToken, total, inFlight }) {
  tokens = list;
  sockets = tokens.map(() => []);
  const jobs = [];
  for (let r = 0; r < perToken; r++) for (let t = 0; t < tokens.length; t++) jobs.push(t);
  if (total) jobs.length = Math.min(jobs.length, total);
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError = null;
  const started = process.hrtime.bigint();
  // A bounded number of handshakes in flight: a real fleet of clients
  // reconnecting does not open 10,000 TCP connections in the same tick.
  async function worker() {
    while (next < jobs.length) {
      const t = jobs[next++];
      const result = await openOne(`${wsUrl}?token=${encodeURIComponent(tokens[t])}`);
      if (result.ws) { sockets[t].push(result.ws); opened++; } else { failed++; firstError ??= result.error; }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { opened, failed, ms, firstError };
}

async function logouts({ httpUrl, indices, timeoutMs = 5000 }) {
  // Node loads fetch (undici) lazily: the first call costs tens of ms in
  // this process and would land in the first sample. Pay it here.
  await (await fetch(`${httpUrl}/health`)).arrayBuffer();
  const samples = [];
  for (const t of indices) {
    const group = sockets[t].filter((ws) => ws.readyState === WebSocket.OPEN);
    const codes = [];
    const t0 = process.hrtime.bigint();
    const closed = Promise.all(
      group.map((ws) => new Promise((resolve) => {
        ws.once('close', (code) => { codes.push(code); resolve(Number(process.hrtime.bigint() - t0) / 1e6); });
      })),
    );
    const res = await fetch(`${httpUrl}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${tokens[t]}` } });
    await res.arrayBuffer();
    const answeredMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs));
    const times = await Promise.race([closed, timeout]);
    // The sample is the time to the LAST of the token's sockets closing,
    // from sending the logout (ms) and from reading its answer (afterAnswerMs;
    // 0 when the sockets had closed before the answer was read).
    const last = times ? Math.max(...times, 0) : null;
    samples.push({ ms: last, afterAnswerMs: last === null ? null : Math.max(0, last - answeredMs), status: res.status, sockets: group.length, codes: [...new Set(codes)] });
    await new Promise((r) => setTimeout(r, 20));
  }
  return { samples };
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'open') process.send({ ok: true, ...(await open(msg)) });
    else if (msg.cmd === 'logouts') process.send({ ok: true, ...(await logouts(msg)) });
    else if (msg.cmd === 'close') {
      for (const group of sockets) for (const ws of group) ws.terminate();
      process.exit(0);
    }
  } catch (error) {
    process.send({ ok: false, error: String(error && error.stack || error) });
  }
});
