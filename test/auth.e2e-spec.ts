import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DRIVERS } from './support/databases';
import { ServerProcess } from './support/server-process';
import {
  TEST_JWT_SECRET,
  TestApp,
  useTestApp,
  waitFor,
} from './support/test-app';

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs arbitrary header/claims with HS256 and a chosen secret, to forge tokens. */
function signHs256(header: object, claims: object, secret: string): string {
  const body = `${b64url(header)}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe.each(DRIVERS)('auth on $name', (driver) => {
  const api = useTestApp(driver);

  describe('POST /auth/login', () => {
    it('returns exactly the spec body for valid credentials', async () => {
      await api.createUser('trader1', 2, 'secret-password');
      const before = Math.floor(Date.now() / 1000);
      const response = await api.post('/auth/login', {
        username: 'trader1',
        password: 'secret-password',
      });
      expect(response.status).toBe(200);
      // The spec's four fields, plus the trusted device token (an addition).
      expect(Object.keys(response.body).sort()).toEqual([
        'access_expires_at',
        'access_token',
        'device_token',
        'permission_tier',
        'refresh_token',
      ]);
      expect(response.body.device_token).toMatch(
        /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/,
      );
      expect(response.body.permission_tier).toBe(2);
      expect(response.body.access_expires_at).toBeGreaterThanOrEqual(
        before + 900,
      );
      expect(response.body.access_expires_at).toBeLessThanOrEqual(before + 901);
      const claims = claimsOf(response.body.access_token);
      expect(claims).toMatchObject({
        sub: expect.any(String),
        permission_tier: 2,
        typ: 'access',
        iss: 'trading-auth',
        aud: 'trading-api',
      });
      expect(claims.exp).toBe(response.body.access_expires_at);
      expect(response.body.refresh_token.split('.')).toHaveLength(2);
      expect(response.body.refresh_token.length).toBeGreaterThanOrEqual(43);
    });

    it('answers a wrong password and an unknown user with the same 401 body', async () => {
      await api.createUser('known-user', 1, 'right-password');
      const wrong = await api.post('/auth/login', {
        username: 'known-user',
        password: 'wrong-password',
      });
      const unknown = await api.post('/auth/login', {
        username: 'nobody-here',
        password: 'wrong-password',
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual({
        error: 'Invalid username or password',
        code: 'invalid_credentials',
      });
      expect(unknown.body).toEqual(wrong.body);
    });

    it('treats usernames case-insensitively', async () => {
      await api.createUser('Mixed.Case', 1, 'mixed-password');
      expect(
        (
          await api.post('/auth/login', {
            username: 'MIXED.case',
            password: 'mixed-password',
          })
        ).status,
      ).toBe(200);
    });

    it('accepts long Unicode passwords without truncating them', async () => {
      const password = 'pässwörd-🔐-'.repeat(60); // about 900 bytes of UTF-8
      await api.createUser('unicode-user', 1, password);
      expect(
        (await api.post('/auth/login', { username: 'unicode-user', password }))
          .status,
      ).toBe(200);
      const truncated = password.slice(0, -1);
      expect(
        (
          await api.post('/auth/login', {
            username: 'unicode-user',
            password: truncated,
          })
        ).status,
      ).toBe(401);
    });

    it.each([
      [{ username: 'trader1' }, 'password must be a string'],
      [{ password: 'x' }, 'username must be a string'],
      [
        { username: 'trader1', password: 12345678 },
        'password must be a string',
      ],
      [{ username: ['a'], password: 'x' }, 'username must be a string'],
      [
        { username: 'trader1', password: 'secret-password', extra: true },
        'property extra should not exist',
      ],
      [
        { username: 'trader1', password: 'p'.repeat(1025) },
        'password must be at most 1024 bytes of UTF-8',
      ],
    ])(
      'refuses %j with 400 before checking credentials',
      async (body, message) => {
        const response = await api.post('/auth/login', body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: message,
          code: 'validation_error',
        });
      },
    );

    it('never reads credentials from the query string', async () => {
      const response = await api.request(
        'POST',
        '/auth/login?username=trader1&password=secret-password',
      );
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_error');
    });

    it('answers a disabled user with the right password 403 account_disabled, a wrong one 401', async () => {
      const user = await api.createUser(
        'soon-disabled',
        2,
        'disabled-password',
      );
      await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { disabled: true },
        token: await api.adminToken(),
      });
      const right = await api.post('/auth/login', {
        username: 'soon-disabled',
        password: 'disabled-password',
      });
      expect(right.status).toBe(403);
      expect(right.body).toEqual({
        error: 'This account is disabled',
        code: 'account_disabled',
      });
      const wrong = await api.post('/auth/login', {
        username: 'soon-disabled',
        password: 'not-the-password',
      });
      expect(wrong.body.code).toBe('invalid_credentials');
    });
  });

  describe('access tokens', () => {
    it('GET /auth/me returns the principal', async () => {
      const user = await api.createUser('me-user', 3);
      const response = await api.get('/auth/me', user.access_token);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: user.id,
        username: 'me-user',
        permission_tier: 3,
        // How and when the user authenticated: a password login, just now.
        amr: ['pwd'],
        auth_time: expect.any(Number),
      });
      expect(
        Math.abs(response.body.auth_time - Date.now() / 1000),
      ).toBeLessThan(60);
    });

    it('answers a missing or malformed Authorization header with 401 unauthorized', async () => {
      const user = await api.createUser('header-user', 1);
      for (const headers of <Record<string, string>[]>[
        {},
        { authorization: user.access_token },
        { authorization: `Basic ${user.access_token}` },
        { authorization: 'Bearer' },
      ]) {
        const response = await api.request('GET', '/auth/me', { headers });
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('unauthorized');
      }
    });

    it('ignores a token in the query string', async () => {
      const user = await api.createUser('query-user', 1);
      const response = await api.get(
        `/auth/me?token=${user.access_token}&access_token=${user.access_token}`,
      );
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('unauthorized');
    });

    it('rejects forged tokens with 401 token_invalid', async () => {
      const user = await api.createUser('forgery-target', 1);
      const claims = claimsOf(user.access_token);
      const [header, payload, signature] = user.access_token.split('.');
      const forged = {
        'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        'wrong secret': signHs256(
          { alg: 'HS256', typ: 'JWT' },
          claims,
          'another-secret-that-is-long-enough-000',
        ),
        'tampered payload': `${header}.${b64url({ ...claims, permission_tier: 4 })}.${signature}`,
        'HS512 with the right secret': signHs256(
          { alg: 'HS512', typ: 'JWT' },
          claims,
          TEST_JWT_SECRET,
        ).replace(/\.[^.]+$/, '.' + 'A'.repeat(86)),
        'wrong audience': signHs256(
          { alg: 'HS256', typ: 'JWT' },
          { ...claims, aud: 'someone-else' },
          TEST_JWT_SECRET,
        ),
        'wrong issuer': signHs256(
          { alg: 'HS256', typ: 'JWT' },
          { ...claims, iss: 'evil' },
          TEST_JWT_SECRET,
        ),
        'another token type': signHs256(
          { alg: 'HS256', typ: 'JWT' },
          { ...claims, typ: 'refresh' },
          TEST_JWT_SECRET,
        ),
        garbage: 'not.a.jwt',
      };
      for (const [name, token] of Object.entries(forged)) {
        const response = await api.get('/auth/me', token);
        expect({ name, status: response.status, body: response.body }).toEqual({
          name,
          status: 401,
          body: { error: 'Access token is invalid', code: 'token_invalid' },
        });
      }
    });

    it('rejects an expired token with 401 token_expired', async () => {
      const user = await api.createUser('expiry-user', 1);
      const claims = claimsOf(user.access_token);
      const now = Math.floor(Date.now() / 1000);
      const expired = signHs256(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, iat: now - 100, exp: now - 10 },
        TEST_JWT_SECRET,
      );
      const response = await api.get('/auth/me', expired);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('token_expired');
    });
  });

  describe('POST /auth/refresh', () => {
    it('returns a new access token and keeps the refresh token usable, also concurrently', async () => {
      const user = await api.createUser('refresher', 2);
      const responses = await Promise.all(
        [1, 2, 3, 4].map(() =>
          api.post('/auth/refresh', { refresh_token: user.refresh_token }),
        ),
      );
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(Object.keys(response.body).sort()).toEqual([
          'access_expires_at',
          'access_token',
        ]);
        expect(
          (await api.get('/auth/me', response.body.access_token)).status,
        ).toBe(200);
      }
      expect(new Set(responses.map((r) => r.body.access_token)).size).toBe(4);
    });

    it.each([
      [
        'unknown',
        'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      ],
      ['malformed', 'not-a-refresh-token'],
      ['an access token', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
    ])(
      'answers an %s refresh token with 401 refresh_token_invalid',
      async (_name, refreshToken) => {
        const response = await api.post('/auth/refresh', {
          refresh_token: refreshToken,
        });
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          error: 'Refresh token is invalid, expired or revoked',
          code: 'refresh_token_invalid',
        });
      },
    );

    it('refuses a refresh token whose secret half was changed', async () => {
      const user = await api.createUser('tamper-refresh', 1);
      const [id, secret] = user.refresh_token.split('.');
      const flipped = `${id}.${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
      expect(
        (await api.post('/auth/refresh', { refresh_token: flipped })).body.code,
      ).toBe('refresh_token_invalid');
    });

    it('answers a missing or mistyped field with 400 validation_error', async () => {
      expect((await api.post('/auth/refresh', {})).body).toEqual({
        error: 'refresh_token must be a string',
        code: 'validation_error',
      });
      expect(
        (await api.post('/auth/refresh', { refresh_token: 5 })).status,
      ).toBe(400);
    });
  });

  describe('POST /auth/logout', () => {
    it('answers 204, then rejects the access token (token_revoked) and the refresh token', async () => {
      const user = await api.createUser('leaver', 2);
      const other = await api.login('leaver', 'password-of-leaver');
      const sibling = (
        await api.post('/auth/refresh', { refresh_token: user.refresh_token })
      ).body.access_token;
      const response = await api.post(
        '/auth/logout',
        undefined,
        user.access_token,
      );
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      const again = await api.post(
        '/auth/logout',
        undefined,
        user.access_token,
      );
      expect(again.status).toBe(401);
      expect(again.body).toEqual({
        error: 'Access token has been revoked; log in again',
        code: 'token_revoked',
      });
      expect((await api.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );
      expect((await api.get('/auth/me', sibling)).body.code).toBe(
        'token_revoked',
      );
      expect(
        (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
          .body.code,
      ).toBe('refresh_token_invalid');

      // The user's other session is untouched.
      expect((await api.get('/auth/me', other.access_token)).status).toBe(200);
      expect(
        (
          await api.post('/auth/refresh', {
            refresh_token: other.refresh_token,
          })
        ).status,
      ).toBe(200);
    });
  });

  describe('tiers and administration', () => {
    it('lets only admins use /admin/users', async () => {
      const power = await api.createUser('power-user', 3);
      const response = await api.get('/admin/users', power.access_token);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('insufficient_tier');
      expect(
        (await api.get('/admin/users', await api.adminToken())).status,
      ).toBe(200);
    });

    it('creates users, refuses duplicates and bad input', async () => {
      const admin = await api.adminToken();
      const created = await api.post(
        '/admin/users',
        { username: 'new.user_1', password: 'long-enough', permission_tier: 1 },
        admin,
      );
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        username: 'new.user_1',
        permission_tier: 1,
      });
      const duplicate = await api.post(
        '/admin/users',
        { username: 'NEW.user_1', password: 'long-enough', permission_tier: 2 },
        admin,
      );
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('conflict');
      for (const body of [
        { username: 'ok-name', password: 'long-enough', permission_tier: 5 },
        { username: 'ok-name', password: 'long-enough', permission_tier: 0 },
        { username: 'ok-name', password: 'short', permission_tier: 1 },
        { username: 'x', password: 'long-enough', permission_tier: 1 },
        { username: 'bad name!', password: 'long-enough', permission_tier: 1 },
      ]) {
        const response = await api.post('/admin/users', body, admin);
        expect({
          body,
          status: response.status,
          code: response.body.code,
        }).toEqual({ body, status: 400, code: 'validation_error' });
      }
    });

    it('lists users page by page without secrets', async () => {
      const admin = await api.adminToken();
      const response = await api.get('/admin/users?page=1&per_page=2', admin);
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(2);
      expect(response.body).toMatchObject({
        page: 1,
        per_page: 2,
        total: expect.any(Number),
      });
      expect(Object.keys(response.body.items[0]).sort()).toEqual([
        'created_at',
        'disabled',
        'id',
        'permission_tier',
        'username',
      ]);
      expect((await api.get('/admin/users?per_page=1000', admin)).status).toBe(
        400,
      );
    });

    it('answers unknown ids with 404 and bad ids with 400', async () => {
      const admin = await api.adminToken();
      expect(
        (
          await api.request('PATCH', '/admin/users/999999', {
            body: { disabled: true },
            token: admin,
          })
        ).body.code,
      ).toBe('not_found');
      expect(
        (
          await api.request('DELETE', '/admin/users/999999/sessions', {
            token: admin,
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await api.request('PATCH', '/admin/users/abc', {
            body: { disabled: true },
            token: admin,
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await api.request('PATCH', '/admin/users/1', {
            body: { permission_tier: 9 },
            token: admin,
          })
        ).body.code,
      ).toBe('validation_error');
    });

    it("revokes a demoted user's old token; the refreshed one carries the new tier", async () => {
      const user = await api.createUser('demoted', 3);
      const patched = await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { permission_tier: 1 },
        token: await api.adminToken(),
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        id: user.id,
        permission_tier: 1,
        disabled: false,
      });
      const old = await api.get('/auth/me', user.access_token);
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('token_revoked');
      const refreshed = await api.post('/auth/refresh', {
        refresh_token: user.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      expect(
        (await api.get('/auth/me', refreshed.body.access_token)).body
          .permission_tier,
      ).toBe(1);
    });

    it('DELETE /admin/users/:id/sessions ends every session of the user', async () => {
      const user = await api.createUser('revoked-all', 2);
      const second = await api.login('revoked-all', 'password-of-revoked-all');
      const response = await api.request(
        'DELETE',
        `/admin/users/${user.id}/sessions`,
        { token: await api.adminToken() },
      );
      expect(response.status).toBe(204);
      for (const session of [user, second]) {
        expect(
          (await api.get('/auth/me', session.access_token)).body.code,
        ).toBe('token_revoked');
        expect(
          (
            await api.post('/auth/refresh', {
              refresh_token: session.refresh_token,
            })
          ).body.code,
        ).toBe('refresh_token_invalid');
      }
      expect(
        (await api.login('revoked-all', 'password-of-revoked-all'))
          .permission_tier,
      ).toBe(2);
    });

    it('a password change ends the sessions and the new password works', async () => {
      const user = await api.createUser('changer', 2);
      await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { password: 'brand-new-password' },
        token: await api.adminToken(),
      });
      expect((await api.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );
      expect(
        (
          await api.post('/auth/login', {
            username: 'changer',
            password: 'password-of-changer',
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await api.post('/auth/login', {
            username: 'changer',
            password: 'brand-new-password',
          })
        ).status,
      ).toBe(200);
    });

    it('disabling a user rejects their tokens and refreshes', async () => {
      const user = await api.createUser('disabled-later', 2);
      await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { disabled: true },
        token: await api.adminToken(),
      });
      expect((await api.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );
      expect(
        (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
          .status,
      ).toBe(401);
    });
  });

  it('stores no plaintext password or refresh token', async () => {
    const password = 'plaintext-canary-password';
    const user = await api.createUser('canary', 1, password);
    const dataSource = api.app.get(DataSource);
    const [row] = await dataSource.query(
      `SELECT * FROM users WHERE username = 'canary'`,
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const everything = JSON.stringify([
      await dataSource.query('SELECT * FROM users'),
      await dataSource.query('SELECT * FROM refresh_tokens'),
      await dataSource.query('SELECT * FROM blocklisted_jtis'),
    ]);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(user.refresh_token);
    expect(everything).not.toContain(user.refresh_token.split('.')[1]);
    expect(everything).not.toContain(user.access_token);
  });

  it('a revocation made through one instance is honoured by another through the database feed (no Redis)', async () => {
    const second = await ServerProcess.start({ DATABASE_URL: api.db.url });
    try {
      const user = await api.createUser('two-instances', 2);
      expect((await second.get('/auth/me', user.access_token)).status).toBe(
        200,
      ); // cached as verified on B
      const other = await api.login(
        'two-instances',
        'password-of-two-instances',
      );
      expect((await second.get('/auth/me', other.access_token)).status).toBe(
        200,
      );

      await api.post('/auth/logout', undefined, user.access_token);
      await waitFor(
        async () =>
          (await second.get('/auth/me', user.access_token)).status === 401,
        5000,
      );
      expect((await second.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );

      await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { permission_tier: 1 },
        token: await api.adminToken(),
      });
      await waitFor(
        async () =>
          (await second.get('/auth/me', other.access_token)).status === 401,
        5000,
      );
    } finally {
      // Nest closes the app on SIGTERM, then re-raises the signal to exit.
      expect(await second.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    }
  });

  it('reads a revocation written by a writer whose clock lags far behind (the feed goes by id, not time)', async () => {
    const user = await api.createUser('lagging-writer', 2);
    expect((await api.get('/auth/me', user.access_token)).status).toBe(200);
    // Another instance or the CLI on a host whose clock is an hour behind.
    const lagging = Date.now() - 3_600_000;
    await api.app
      .get(DataSource)
      .query(
        'INSERT INTO revocation_events (kind, subject, user_id, token_version, expires_at, created_at) VALUES (?, ?, ?, NULL, ?, ?)',
        [
          'session',
          user.refresh_token.split('.')[0],
          user.id,
          lagging + 3_600_000 + 900_000,
          lagging,
        ],
      );
    await waitFor(
      async () => (await api.get('/auth/me', user.access_token)).status === 401,
      5_000,
    );
    expect((await api.get('/auth/me', user.access_token)).body.code).toBe(
      'token_revoked',
    );
  });

  it('a restarted instance still rejects a logged-out session after its refresh-token row is purged', async () => {
    const user = await api.createUser('purged-session', 2);
    const sibling = await api.post('/auth/refresh', {
      refresh_token: user.refresh_token,
    });
    expect(sibling.status).toBe(200);
    await api.post('/auth/logout', undefined, user.access_token);
    // What the purge does once the refresh token's own lifetime is over,
    // which can come before the session's access tokens expire.
    await api.app
      .get(DataSource)
      .query('DELETE FROM refresh_tokens WHERE id = ?', [
        user.refresh_token.split('.')[0],
      ]);
    const late = await ServerProcess.start({ DATABASE_URL: api.db.url });
    try {
      expect(
        (await late.get('/auth/me', sibling.body.access_token)).body.code,
      ).toBe('token_revoked');
    } finally {
      await late.stop();
    }
  });

  it('a second instance started later loads the revocations made before it', async () => {
    const user = await api.createUser('before-start', 2);
    await api.post('/auth/logout', undefined, user.access_token);
    const late = await ServerProcess.start({ DATABASE_URL: api.db.url });
    try {
      expect((await late.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );
    } finally {
      await late.stop();
    }
  });
});

// Its own block: passport's strategy registry is process-wide, so each block
// keeps a single application alive at a time.
describe.each(DRIVERS)('blocklist purge on $name', (driver) => {
  it('purges blocklist rows once their tokens have expired', async () => {
    const shortDb = await driver.create();
    // Not 1 s: exp counts whole seconds from a floored iat, so a 1 s token
    // can expire a few milliseconds after it is issued and the logout below
    // would meet an expired token on a slow machine.
    const short = await TestApp.start(shortDb, {
      ACCESS_TOKEN_TTL: '3',
      BLOCKLIST_PURGE_SECONDS: '1',
    });
    try {
      const token = await short.adminToken();
      expect((await short.post('/auth/logout', undefined, token)).status).toBe(
        204,
      );
      const count = async () =>
        Number(
          (
            await short.app
              .get(DataSource)
              .query('SELECT COUNT(*) AS n FROM blocklisted_jtis')
          )[0].n,
        );
      expect(await count()).toBe(1);
      await waitFor(async () => (await count()) === 0, 10_000, 200);
    } finally {
      await short.close();
      await shortDb.drop();
    }
  });
});
