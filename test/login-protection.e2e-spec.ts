import { DataSource } from 'typeorm';
import { PasswordHasher } from '../src/credentials/services/password-hasher.service';
import { User } from '../src/users/entities/user.entity';
import { DRIVERS, TestDatabase } from './support/databases';
import { parseRateLimit, requestFrom } from './support/http-from';
import { TestApp, withApp } from './support/test-app';

/** The documented defaults (TestApp raises the limits unless told otherwise). */
const DEFAULT_LIMITS = {
  RATE_LIMIT_IP_MAX: '300',
  RATE_LIMIT_USER_MAX: '120',
  RATE_LIMIT_LOGIN_MAX: '10',
};

/** A wrong password, never a user's. */
const WRONG = 'not-the-password';

describe.each(DRIVERS)('login protection on $name', (driver) => {
  let db: TestDatabase;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    db = await driver.create();
    // Passport's strategy registry is process-wide: one application at a time.
    const seed = await TestApp.start(db);
    try {
      for (const name of ['kevin', 'dana', 'erin', 'frank', 'gina'])
        ids[name] = (await seed.createUser(name, 2)).id;
    } finally {
      await seed.close();
    }
  });

  afterAll(() => db.drop());

  function login(
    api: TestApp,
    from: string,
    username: string,
    password: string,
    deviceToken?: string,
  ) {
    return requestFrom(from, `${api.url}/auth/login`, {
      body:
        deviceToken === undefined
          ? { username, password }
          : { username, password, device_token: deviceToken },
    });
  }

  const passwordOf = (name: string) => `password-of-${name}`;

  it('with the default limits, 100 users log in from one address', async () => {
    await withApp(db, DEFAULT_LIMITS, async (api) => {
      const hash = await api.app.get(PasswordHasher).hash('desk-password-1');
      await api.app
        .get(DataSource)
        .getRepository(User)
        .insert(
          Array.from({ length: 100 }, (_, i) => ({
            username: `desk-${i}`,
            passwordHash: hash,
            permissionTier: 2,
            disabled: false,
            tokenVersion: 0,
            tokensRevokedAt: null,
            createdAt: Date.now(),
          })),
        );
      const statuses: number[] = [];
      for (let i = 0; i < 100; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            login(api, '127.0.0.50', `desk-${i + j}`, 'desk-password-1'),
          ),
        );
        statuses.push(...batch.map((r) => r.status));
      }
      expect(statuses).toEqual(Array(100).fill(200));
    });
  });

  it('with RATE_LIMIT_IP_MAX=5, the 6th login attempt from one address gets 429', async () => {
    await withApp(db, { RATE_LIMIT_IP_MAX: '5' }, async (api) => {
      const from = '127.0.0.51';
      expect(
        (await login(api, from, 'kevin', passwordOf('kevin'))).status,
      ).toBe(200);
      expect((await login(api, from, 'dana', WRONG)).status).toBe(401);
      expect((await login(api, from, 'dana', passwordOf('dana'))).status).toBe(
        200,
      );
      expect((await login(api, from, 'nobody-here', WRONG)).status).toBe(401);
      expect((await login(api, from, 'erin', passwordOf('erin'))).status).toBe(
        200,
      );
      const sixth = await login(api, from, 'frank', passwordOf('frank'));
      expect(sixth.status).toBe(429);
      expect(sixth.body).toEqual({
        error: expect.any(String),
        code: 'rate_limited',
      });
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(parseRateLimit(sixth.headers.ratelimit)).toMatchObject({
        name: 'ip',
        r: 0,
      });
      // Another address still has its budget.
      expect(
        (await login(api, '127.0.0.52', 'frank', passwordOf('frank'))).status,
      ).toBe(200);
    });
  });

  it('with RATE_LIMIT_USER_MAX=3, failures lock the account but not its trusted device, before any hash', async () => {
    await withApp(db, { RATE_LIMIT_USER_MAX: '3' }, async (api) => {
      const first = await login(
        api,
        '127.0.0.60',
        'kevin',
        passwordOf('kevin'),
      );
      expect(first.status).toBe(200);
      const device = first.body.device_token as string;
      const other = (await login(api, '127.0.0.60', 'dana', passwordOf('dana')))
        .body.device_token as string;

      for (const from of ['127.0.0.61', '127.0.0.62', '127.0.0.63'])
        expect((await login(api, from, 'kevin', WRONG)).status).toBe(401);

      const verify = jest.spyOn(api.app.get(PasswordHasher), 'verify');
      try {
        for (const [from, token] of [
          ['127.0.0.64', undefined],
          ['127.0.0.60', undefined],
          ['127.0.0.64', other], // another user's device token is no token
          ['127.0.0.64', 'not-a-device-token'],
          ['127.0.0.64', 'x'.repeat(5000)],
          ['127.0.0.64', ''],
          ['127.0.0.64', `${device.split('.')[0]}.${'A'.repeat(43)}`],
        ] as const) {
          const refused = await login(
            api,
            from,
            'kevin',
            passwordOf('kevin'),
            token,
          );
          expect(refused.status).toBe(429);
          expect(refused.body.code).toBe('rate_limited');
          expect(parseRateLimit(refused.headers.ratelimit)).toMatchObject({
            name: 'login-user',
            r: 0,
          });
        }
        // Refused before the password check: no hash was computed.
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }

      const trusted = await login(
        api,
        '127.0.0.65',
        'kevin',
        passwordOf('kevin'),
        device,
      );
      expect(trusted.status).toBe(200);
      expect(trusted.body.device_token).toBe(device);
      expect(trusted.headers['ratelimit-policy']).toContain(
        '"device";q=3;w=60',
      );
    });
  });

  it('with RATE_LIMIT_USER_MAX=3, five correct logins in a row all get 200', async () => {
    await withApp(db, { RATE_LIMIT_USER_MAX: '3' }, async (api) => {
      for (let i = 0; i < 5; i++) {
        const response = await login(
          api,
          '127.0.0.66',
          'dana',
          passwordOf('dana'),
        );
        expect(response.status).toBe(200);
        expect(Object.keys(response.body).sort()).toEqual([
          'access_expires_at',
          'access_token',
          'device_token',
          'permission_tier',
          'refresh_token',
        ]);
        // Successes give their slot back: the failure budgets stay full.
        expect(
          parseRateLimit(response.headers.ratelimit)?.r,
        ).toBeGreaterThanOrEqual(3);
      }
    });
  });

  it('a trusted device token has its own failure budget, after which it stops counting', async () => {
    await withApp(db, { RATE_LIMIT_USER_MAX: '3' }, async (api) => {
      const from = '127.0.0.67';
      const device = (await login(api, from, 'erin', passwordOf('erin'))).body
        .device_token as string;
      for (let i = 0; i < 3; i++)
        expect((await login(api, from, 'erin', WRONG, device)).status).toBe(
          401,
        );
      // The device's budget is used up; the account's is untouched.
      expect(
        (await login(api, from, 'erin', passwordOf('erin'), device)).status,
      ).toBe(200);
      for (let i = 0; i < 3; i++)
        expect((await login(api, from, 'erin', WRONG, device)).status).toBe(
          401,
        );
      expect(
        (await login(api, from, 'erin', passwordOf('erin'), device)).status,
      ).toBe(429);
    });
  });

  it('logout keeps device tokens; revoke-all and a password change end them', async () => {
    await withApp(db, { RATE_LIMIT_USER_MAX: '3' }, async (api) => {
      const admin = await api.adminToken();
      const lockOut = async (name: string) => {
        for (const from of ['127.0.0.71', '127.0.0.72', '127.0.0.73'])
          expect((await login(api, from, name, WRONG)).status).toBe(401);
      };

      const frank = await login(
        api,
        '127.0.0.70',
        'frank',
        passwordOf('frank'),
      );
      const frankDevice = frank.body.device_token as string;
      expect(
        (await api.post('/auth/logout', undefined, frank.body.access_token))
          .status,
      ).toBe(204);
      await lockOut('frank');
      expect(
        (
          await login(
            api,
            '127.0.0.70',
            'frank',
            passwordOf('frank'),
            frankDevice,
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await api.request('DELETE', `/admin/users/${ids.frank}/sessions`, {
            token: admin,
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await login(
            api,
            '127.0.0.70',
            'frank',
            passwordOf('frank'),
            frankDevice,
          )
        ).status,
      ).toBe(429);

      const ginaDevice = (
        await login(api, '127.0.0.70', 'gina', passwordOf('gina'))
      ).body.device_token as string;
      expect(
        (
          await api.request('PATCH', `/admin/users/${ids.gina}`, {
            token: admin,
            body: { password: 'gina-new-password' },
          })
        ).status,
      ).toBe(200);
      await lockOut('gina');
      expect(
        (
          await login(
            api,
            '127.0.0.70',
            'gina',
            'gina-new-password',
            ginaDevice,
          )
        ).status,
      ).toBe(429);

      // Only the SHA-256 of a device token's secret is stored.
      const rows = JSON.stringify(
        await api.app.get(DataSource).query('SELECT * FROM device_tokens'),
      );
      expect(rows).not.toContain(ginaDevice.split('.')[1]);
      expect(rows).not.toContain(frankDevice.split('.')[1]);
    });
  });

  it('one spelling, one account: kévin, kevín, KÉVIN and a Kelvin sign are not kevin', async () => {
    await withApp(db, {}, async (api) => {
      for (const spelling of [
        'kévin',
        'kevín',
        'KÉVIN',
        '\u212Aevin',
        'kevin\u00a0x',
      ])
        expect(
          (await login(api, '127.0.0.74', spelling, passwordOf('kevin')))
            .status,
        ).toBe(401);
      for (const spelling of ['KEVIN', ' kevin ', 'Kevin'])
        expect(
          (await login(api, '127.0.0.74', spelling, passwordOf('kevin')))
            .status,
        ).toBe(200);
    });
  });

  it("another address sending session X's id with junk secrets does not touch X's refresh budget", async () => {
    await withApp(
      db,
      { RATE_LIMIT_USER_MAX: '2', RATE_LIMIT_IP_MAX: '1000' },
      async (api) => {
        const session = await login(
          api,
          '127.0.0.75',
          'dana',
          passwordOf('dana'),
        );
        const refreshToken = session.body.refresh_token as string;
        const sid = refreshToken.split('.')[0];
        for (let i = 0; i < 10; i++) {
          const junk = await requestFrom(
            '127.0.0.76',
            `${api.url}/auth/refresh`,
            {
              body: { refresh_token: `${sid}.${String(i).padStart(43, 'x')}` },
            },
          );
          expect(junk.status).toBe(401);
          expect(junk.body.code).toBe('refresh_token_invalid');
        }
        const refresh = () =>
          requestFrom('127.0.0.75', `${api.url}/auth/refresh`, {
            body: { refresh_token: refreshToken },
          });
        expect((await refresh()).status).toBe(200);
        expect((await refresh()).status).toBe(200);
        // The verified refreshes are charged to dana: her budget of 2 is used now.
        const third = await refresh();
        expect(third.status).toBe(429);
        expect(parseRateLimit(third.headers.ratelimit)?.name).toBe('user');
      },
    );
  });

  it('RateLimit decreases by one per write, and t never exceeds the window', async () => {
    await withApp(
      db,
      {
        RATE_LIMIT_IP_MAX: '10',
        RATE_LIMIT_USER_MAX: '1000',
        RATE_LIMIT_WINDOW_SECONDS: '30',
      },
      async (api) => {
        const admin = (
          await login(api, '127.0.0.81', 'root-admin', 'admin-password-1')
        ).body.access_token as string;
        const write = () =>
          requestFrom('127.0.0.80', `${api.url}/admin/users/${ids.kevin}`, {
            method: 'PATCH',
            token: admin,
            body: { disabled: false },
          });
        let previous = 10;
        for (let i = 0; i < 10; i++) {
          const response = await write();
          expect(response.status).toBe(200);
          expect(response.headers['ratelimit-policy']).toBe(
            '"ip";q=10;w=30, "user";q=1000;w=30',
          );
          const state = parseRateLimit(response.headers.ratelimit);
          expect(state?.name).toBe('ip');
          expect(state?.r).toBe(previous - 1);
          expect(state?.t).toBeGreaterThanOrEqual(0);
          expect(state?.t).toBeLessThanOrEqual(30);
          previous = state!.r;
        }
        const refused = await write();
        expect(refused.status).toBe(429);
        expect(refused.headers['ratelimit-policy']).toBe('"ip";q=10;w=30');
        const state = parseRateLimit(refused.headers.ratelimit);
        expect(state).toMatchObject({ name: 'ip', r: 0 });
        expect(state!.t).toBeLessThanOrEqual(30);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);

        // Reads carry no rate-limit headers: they are never counted.
        const me = await requestFrom('127.0.0.80', `${api.url}/auth/me`, {
          method: 'GET',
          token: admin,
        });
        expect(me.status).toBe(200);
        expect(me.headers.ratelimit).toBeUndefined();
      },
    );
  });
});
