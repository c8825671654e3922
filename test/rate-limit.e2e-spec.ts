import { PasswordHasher } from '../src/credentials/services/password-hasher.service';
import { DRIVERS, TestDatabase } from './support/databases';
import { ApiResponse, sleep, TestApp, withApp } from './support/test-app';

/** Exactly the 429 the spec describes; returns the Retry-After seconds. */
function expectRateLimited(
  response: ApiResponse,
  windowSeconds: number,
): number {
  expect(response.status).toBe(429);
  expect(Object.keys(response.body).sort()).toEqual(['code', 'error']);
  expect(response.body.code).toBe('rate_limited');
  expect(typeof response.body.error).toBe('string');
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
  // Only the one standard header: no Retry-After-ip or X-RateLimit-*-user.
  const names = [...response.headers.keys()];
  expect(names.filter((name) => name.startsWith('retry-after'))).toEqual([
    'retry-after',
  ]);
  expect(names.filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
  // The IETF RateLimit fields: the used-up budget, with nothing left.
  expect(response.headers.get('ratelimit-policy')).toMatch(
    /^"[a-z-]+";q=\d+;w=\d+/,
  );
  expect(response.headers.get('ratelimit')).toMatch(/^"[a-z-]+";r=0;t=\d+$/);
  return Number(retryAfter);
}

describe.each(DRIVERS)('rate limits on $name', (driver) => {
  let db: TestDatabase;
  let seed: TestApp;
  /** Two admins (their writes succeed), a monitor and the target of their writes. */
  const users: Record<
    'alice' | 'bob' | 'carol' | 'target',
    { id: number; token: string; refresh: string }
  > = {} as never;

  beforeAll(async () => {
    db = await driver.create();
    // Users are made under the test defaults (limits of 100000); each test then
    // starts its own instance, with fresh in-memory counters, on the same database.
    seed = await TestApp.start(db);
    for (const [name, tier] of [
      ['alice', 4],
      ['bob', 4],
      ['carol', 1],
      ['target', 1],
    ] as const) {
      const created = await seed.createUser(name, tier);
      users[name] = {
        id: created.id,
        token: created.access_token,
        refresh: created.refresh_token,
      };
    }
  });

  afterAll(async () => {
    await seed.close();
    await db.drop();
  });

  /** A write that succeeds for an admin: PATCH another user, optionally through a proxy. */
  function write(api: TestApp, who: 'alice' | 'bob', forwardedFor?: string) {
    return api.request('PATCH', `/admin/users/${users.target.id}`, {
      token: users[who].token,
      body: { disabled: false },
      headers:
        forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    });
  }

  function login(
    api: TestApp,
    username: string,
    password: string,
    forwardedFor?: string,
  ) {
    return api.request('POST', '/auth/login', {
      body: { username, password },
      headers:
        forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    });
  }

  it('answers the write after the limit with 429 rate_limited and Retry-After, and keeps answering reads', async () => {
    await withApp(
      db,
      { RATE_LIMIT_IP_MAX: '3', RATE_LIMIT_USER_MAX: '1000' },
      async (api) => {
        for (let i = 0; i < 3; i++)
          expect((await write(api, 'alice')).status).toBe(200);
        expectRateLimited(await write(api, 'alice'), 60);
        expectRateLimited(
          await api.request(
            'DELETE',
            `/admin/users/${users.target.id}/sessions`,
            { token: users.bob.token },
          ),
          60,
        );

        const me = await api.get('/auth/me', users.alice.token);
        expect(me.status).toBe(200);
        expect(me.body.username).toBe('alice');
        expect((await api.get('/admin/users', users.alice.token)).status).toBe(
          200,
        );
        expect((await api.request('HEAD', '/health')).status).toBe(200);
      },
    );
  });

  it('limits one user across addresses (TRUST_PROXY set)', async () => {
    await withApp(
      db,
      {
        TRUST_PROXY: '127.0.0.1',
        RATE_LIMIT_IP_MAX: '1000',
        RATE_LIMIT_USER_MAX: '3',
      },
      async (api) => {
        expect((await write(api, 'alice', '198.51.100.1')).status).toBe(200);
        expect((await write(api, 'alice', '198.51.100.2')).status).toBe(200);
        expect((await write(api, 'alice', '198.51.100.3')).status).toBe(200);
        const refused = await write(api, 'alice', '198.51.100.4');
        expectRateLimited(refused, 60);
        expect(refused.body.error).toContain('user');
        // The same address serves another user: it was the user budget that ran out.
        expect((await write(api, 'bob', '198.51.100.4')).status).toBe(200);
      },
    );
  });

  it('limits one address across users (TRUST_PROXY set)', async () => {
    await withApp(
      db,
      { TRUST_PROXY: '1', RATE_LIMIT_IP_MAX: '3', RATE_LIMIT_USER_MAX: '1000' },
      async (api) => {
        expect((await write(api, 'alice', '203.0.113.9')).status).toBe(200);
        expect((await write(api, 'alice', '203.0.113.9')).status).toBe(200);
        expect((await write(api, 'bob', '203.0.113.9')).status).toBe(200);
        const refused = await write(api, 'bob', '203.0.113.9');
        expectRateLimited(refused, 60);
        expect(refused.body.error).toContain('address');
        expect((await write(api, 'alice', '203.0.113.8')).status).toBe(200);
      },
    );
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so a forged one does not reset the budget', async () => {
    await withApp(
      db,
      { RATE_LIMIT_IP_MAX: '3', RATE_LIMIT_USER_MAX: '1000' },
      async (api) => {
        expect((await write(api, 'alice', '192.0.2.1')).status).toBe(200);
        expect((await write(api, 'alice', '192.0.2.2')).status).toBe(200);
        expect((await write(api, 'bob', '192.0.2.3')).status).toBe(200);
        expectRateLimited(await write(api, 'bob', '192.0.2.4'), 60);
        expectRateLimited(await write(api, 'alice', '10.9.8.7, 192.0.2.5'), 60);
      },
    );
  });

  it('limits login attempts for one username from many addresses, before any password is hashed', async () => {
    await withApp(
      db,
      { TRUST_PROXY: '1', RATE_LIMIT_LOGIN_MAX: '3' },
      async (api) => {
        const hasher = api.app.get(PasswordHasher);
        const verify = jest.spyOn(hasher, 'verify');
        const verifyDummy = jest.spyOn(hasher, 'verifyDummy');
        try {
          expect(
            (await login(api, 'carol', 'wrong-password', '198.51.100.11'))
              .status,
          ).toBe(401);
          expect(
            (await login(api, 'Carol', 'wrong-password', '198.51.100.12'))
              .status,
          ).toBe(401);
          expect(
            (await login(api, ' carol', 'wrong-password', '198.51.100.13'))
              .status,
          ).toBe(401);
          expect(verify).toHaveBeenCalledTimes(3);

          // The right password from a fresh address is refused too, and costs no hash.
          expectRateLimited(
            await login(api, 'carol', 'password-of-carol', '198.51.100.14'),
            60,
          );
          expect(verify).toHaveBeenCalledTimes(3);
          expect(verifyDummy).not.toHaveBeenCalled();

          // Another account from that address still logs in.
          expect(
            (await login(api, 'alice', 'password-of-alice', '198.51.100.14'))
              .status,
          ).toBe(200);
        } finally {
          verify.mockRestore();
          verifyDummy.mockRestore();
        }
      },
    );
  });

  it('counts every login in the address budget, and only failed ones in the stricter login budget', async () => {
    await withApp(
      db,
      { RATE_LIMIT_LOGIN_MAX: '2', RATE_LIMIT_IP_MAX: '5' },
      async (api) => {
        // Successes never use up the failed-login budget (2)...
        expect((await login(api, 'alice', 'password-of-alice')).status).toBe(
          200,
        );
        expect((await login(api, 'bob', 'password-of-bob')).status).toBe(200);
        expect((await login(api, 'alice', 'password-of-alice')).status).toBe(
          200,
        );
        expect((await login(api, 'nobody-1', 'whatever-password')).status).toBe(
          401,
        );
        expect((await login(api, 'nobody-2', 'whatever-password')).status).toBe(
          401,
        );
        // ...but they count in the address's write budget (5), like any write.
        expectRateLimited(await login(api, 'bob', 'password-of-bob'), 60);
        // A bad body is counted too (it is checked after the limit).
        expectRateLimited(
          await api.post('/auth/login', { username: 'bob' }),
          60,
        );
      },
    );
  });

  it('refuses a third failed login from one address with RATE_LIMIT_LOGIN_MAX=2, right password or not', async () => {
    await withApp(db, { RATE_LIMIT_LOGIN_MAX: '2' }, async (api) => {
      expect((await login(api, 'nobody-1', 'whatever-password')).status).toBe(
        401,
      );
      expect((await login(api, 'nobody-2', 'whatever-password')).status).toBe(
        401,
      );
      const refused = await login(api, 'alice', 'password-of-alice');
      expectRateLimited(refused, 60);
      expect(refused.headers.get('ratelimit')).toMatch(/^"login-ip";r=0;/);
      // Other writes keep their own budget.
      expect((await write(api, 'alice')).status).toBe(200);
    });
  });

  it('counts refreshes per address, and per user once the refresh token is verified', async () => {
    await withApp(
      db,
      { TRUST_PROXY: '1', RATE_LIMIT_IP_MAX: '1000', RATE_LIMIT_USER_MAX: '2' },
      async (api) => {
        const refresh = (token: string, forwardedFor: string) =>
          api.request('POST', '/auth/refresh', {
            body: { refresh_token: token },
            headers: { 'x-forwarded-for': forwardedFor },
          });
        expect(
          (await refresh(users.carol.refresh, '198.51.100.21')).status,
        ).toBe(200);
        expect(
          (await refresh(users.carol.refresh, '198.51.100.22')).status,
        ).toBe(200);
        expectRateLimited(
          await refresh(users.carol.refresh, '198.51.100.23'),
          60,
        );
        expect((await refresh(users.bob.refresh, '198.51.100.23')).status).toBe(
          200,
        );
        // A token that is not verified is counted for its address only.
        for (let i = 0; i < 3; i++)
          expect((await refresh('garbage', '198.51.100.24')).status).toBe(401);
      },
    );
  });

  it('checks after the access token: requests without one get 401, a missing tier 403 counts', async () => {
    await withApp(
      db,
      { RATE_LIMIT_IP_MAX: '1000', RATE_LIMIT_USER_MAX: '2' },
      async (api) => {
        // The user counter needs the principal, so the JWT guard must have run first.
        const forbidden = () =>
          api.post(
            '/admin/users',
            {
              username: 'x-user',
              password: 'password-123',
              permission_tier: 1,
            },
            users.carol.token,
          );
        expect((await forbidden()).status).toBe(403);
        expect((await forbidden()).status).toBe(403);
        expectRateLimited(await forbidden(), 60);
        expect((await api.post('/admin/users', {})).status).toBe(401);
      },
    );
  });

  it('lets requests through again once the window has passed', async () => {
    await withApp(
      db,
      {
        RATE_LIMIT_WINDOW_SECONDS: '2',
        RATE_LIMIT_IP_MAX: '2',
        RATE_LIMIT_USER_MAX: '1000',
      },
      async (api) => {
        expect((await write(api, 'alice')).status).toBe(200);
        expect((await write(api, 'alice')).status).toBe(200);
        const retryAfter = expectRateLimited(await write(api, 'alice'), 2);
        await sleep(retryAfter * 1000);
        expect((await write(api, 'alice')).status).toBe(200);
      },
    );
  });
});
