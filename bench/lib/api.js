'use strict';
/** Small REST helpers for set-up work (not measured): logins to obtain real tokens. */

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns results in order. */
async function pool(count, concurrency, task) {
  const out = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

async function login(baseUrl, username, password) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 200) return body;
    // 503 = the hash queue is full; back off as Retry-After says.
    if (res.status === 503 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    throw new Error(`login ${username} -> ${res.status} ${JSON.stringify(body)}`);
  }
}

/** One session per entry of `usernames`; returns [{ access_token, refresh_token }]. */
function loginAll(baseUrl, usernames, password, concurrency = 4) {
  return pool(usernames.length, concurrency, (i) => login(baseUrl, usernames[i], password));
}

/** Creates an API key (tier 2, no allowlist) with a session; returns the key. */
async function createApiKey(baseUrl, accessToken, password) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}/auth/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ name: 'bench', permission_tier: 2, password }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 201) return body.key;
    if (res.status === 503 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    throw new Error(`api key -> ${res.status} ${JSON.stringify(body)}`);
  }
}

module.exports = { pool, login, loginAll, createApiKey };
