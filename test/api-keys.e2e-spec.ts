import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DataSource } from 'typeorm';
import { DRIVERS, TestDatabase } from './support/databases';
import { OrdersModule } from './fixtures/orders.module';
import { FromResponse, parseRateLimit, requestFrom } from './support/http-from';
import { RedisServer } from './support/redis-server';
import { ServerProcess } from './support/server-process';
import { ADMIN, ApiResponse, TestApp, waitFor } from './support/test-app';
import { WsClient } from './support/ws-client';

jest.setTimeout(60_000);

/** One request with headers of our choosing, its socket bound to `localAddress`. */
function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    key?: string;
    token?: string;
    body?: unknown;
    localAddress?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: any }> {
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.key !== undefined) headers['x-api-key'] = options.key;
  if (options.token !== undefined)
    headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      baseUrl + path,
      {
        method,
        headers,
        agent: false,
        localAddress: options.localAddress ?? '127.0.0.1',
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  permission_tier: number;
  ip_allowlist: string[];
  created_at: number;
  expires_at: number | null;
}

describe.each(DRIVERS)('API keys on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, {}, [OrdersModule]);
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const create = (
    token: string,
    body: Record<string, unknown>,
  ): Promise<ApiResponse<CreatedKey>> =>
    api.post<CreatedKey>('/auth/api-keys', body, token);

  async function userWithKey(
    username: string,
    tier: number,
    keyBody: Record<string, unknown> = {},
  ) {
    const user = await api.createUser(username, tier);
    const created = await create(user.access_token, {
      name: 'bot',
      permission_tier: tier,
      password: 'password-of-' + username,
      ...(tier >= 3 ? { ip_allowlist: ['127.0.0.1'] } : {}),
      ...keyBody,
    });
    expect(created.status).toBe(201);
    return { user, key: created.body };
  }

  describe('creating', () => {
    it('returns the key once, with exactly the documented fields', async () => {
      const user = await api.createUser('ak-create', 2);
      const response = await create(user.access_token, {
        name: 'market maker',
        permission_tier: 2,
        ip_allowlist: ['127.0.0.1', '10.0.0.0/8', '2001:DB8::/32'],
        expires_in_days: 30,
        password: 'password-of-ak-create',
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        key: expect.stringMatching(
          /^tak_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/,
        ),
        name: 'market maker',
        type: 'secret',
        public_key: null,
        permission_tier: 2,
        scopes: ['read'],
        ip_allowlist: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'],
        created_at: expect.any(Number),
        expires_at: response.body.created_at + 30 * 86_400,
      });
      expect(response.body.key).toContain(response.body.id);
      const list = await api.get('/auth/api-keys', user.access_token);
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(response.body.key.split('.')[1]);
      expect(list.body.items).toEqual([
        {
          id: response.body.id,
          name: 'market maker',
          type: 'secret',
          public_key: null,
          permission_tier: 2,
          scopes: ['read'],
          ip_allowlist: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'],
          created_at: response.body.created_at,
          expires_at: response.body.expires_at,
          last_used_at: null,
          last_used_ip: null,
        },
      ]);
    });

    it('needs the account password, checked as login checks it', async () => {
      const user = await api.createUser('ak-password', 2);
      const wrong = await create(user.access_token, {
        name: 'bot',
        permission_tier: 2,
        password: 'not-the-password',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({
        error: expect.any(String),
        code: 'invalid_credentials',
      });
      const missing = await create(user.access_token, {
        name: 'bot',
        permission_tier: 2,
      });
      expect(missing.status).toBe(400);
      expect((await api.get('/auth/api-keys', user.access_token)).body).toEqual(
        { items: [] },
      );
    });

    it('refuses a tier above the owner with 403', async () => {
      const user = await api.createUser('ak-cap', 2);
      const response = await create(user.access_token, {
        name: 'bot',
        permission_tier: 3,
        ip_allowlist: ['127.0.0.1'],
        password: 'password-of-ak-cap',
      });
      expect(response.status).toBe(403);
      expect((response.body as unknown as { code: string }).code).toBe(
        'insufficient_tier',
      );
    });

    it('demands an allowlist from tier 3, and refuses bad entries with 400', async () => {
      const user = await api.createUser('ak-allow', 3);
      const base = {
        name: 'bot',
        permission_tier: 3,
        password: 'password-of-ak-allow',
      };
      for (const ip_allowlist of [
        undefined,
        [],
        ['10.0.0.0/33'],
        ['localhost'],
        [42],
        Array.from({ length: 33 }, (_, i) => `10.0.0.${i}`),
      ]) {
        const response = await create(user.access_token, {
          ...base,
          ...(ip_allowlist === undefined ? {} : { ip_allowlist }),
        });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: expect.any(String),
          code: 'validation_error',
        });
      }
      expect(
        (
          await create(user.access_token, {
            ...base,
            ip_allowlist: Array.from({ length: 32 }, (_, i) => `10.0.0.${i}`),
          })
        ).status,
      ).toBe(201);
    });
  });

  describe('allowlists', () => {
    it('refuses entries that pin nothing with 400, whatever the address written before the prefix', async () => {
      const user = await api.createUser('ak-wide', 3);
      for (const entry of [
        '0.0.0.0/0',
        '::/0',
        // Stored as written, this one let the key in from 127.0.0.1.
        '10.9.9.9/0',
        '10.0.0.0/7',
        '2001:db8::/31',
        // IPv4-mapped: an IPv4 /0 in IPv6 clothing.
        '::ffff:0.0.0.0/96',
      ]) {
        const response = await create(user.access_token, {
          name: 'bot',
          permission_tier: 3,
          ip_allowlist: ['127.0.0.1', entry],
          password: 'password-of-ak-wide',
        });
        expect([entry, response.status, response.body]).toEqual([
          entry,
          400,
          {
            error: expect.stringMatching(
              /^ip_allowlist\[1\] is too wide: IPv[46] entries need a prefix of at least \/(8|32)$/,
            ),
            code: 'validation_error',
          },
        ]);
      }
      expect((await api.get('/auth/api-keys', user.access_token)).body).toEqual(
        { items: [] },
      );
    });

    it('stores and shows the network, not the address as typed, and IPv4-mapped entries as IPv4', async () => {
      const { user, key } = await userWithKey('ak-masked', 3, {
        ip_allowlist: [
          '10.9.9.9/8',
          '2001:DB8:1234:0:0::1/32',
          '::ffff:127.0.0.1',
          '::ffff:198.51.100.77/120',
          // The same network twice, once by another of its addresses.
          '10.1.1.1/8',
        ],
      });
      const shown = [
        '10.0.0.0/8',
        '2001:db8::/32',
        '127.0.0.1',
        '198.51.100.0/24',
      ];
      expect(key.ip_allowlist).toEqual(shown);
      expect(
        (await api.get('/auth/api-keys', user.access_token)).body.items[0]
          .ip_allowlist,
      ).toEqual(shown);
      // The mapped entry, stored as 127.0.0.1, admits that client and no other.
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
      expect(
        (
          await call(api.url, 'GET', '/auth/me', {
            key: key.key,
            localAddress: '127.0.0.24',
          })
        ).body.code,
      ).toBe('ip_not_allowed');
    });
  });

  describe('using', () => {
    it('works on /auth/me and on a tier-protected route, capped to the key tier', async () => {
      const { user, key } = await userWithKey('ak-use', 3, {
        permission_tier: 2,
        ip_allowlist: ['127.0.0.1'],
        scopes: ['read', 'trade'],
      });
      const me = await call(api.url, 'GET', '/auth/me', { key: key.key });
      expect(me).toEqual({
        status: 200,
        body: { id: user.id, username: 'ak-use', permission_tier: 2 },
      });
      expect(
        (await call(api.url, 'GET', '/orders', { key: key.key })).status,
      ).toBe(200);
      // Power route: the owner could, the key (tier 2) cannot.
      const bulk = await call(api.url, 'POST', '/orders/bulk-cancel', {
        key: key.key,
      });
      expect(bulk.status).toBe(403);
      expect(bulk.body.code).toBe('insufficient_tier');
      expect(
        (
          await call(api.url, 'POST', '/orders/bulk-cancel', {
            token: user.access_token,
          })
        ).status,
      ).toBe(201);
    });

    it('gets 403 ip_not_allowed from another loopback address', async () => {
      const { key } = await userWithKey('ak-ip', 3);
      const outside = await call(api.url, 'GET', '/auth/me', {
        key: key.key,
        localAddress: '127.0.0.23',
      });
      expect(outside).toEqual({
        status: 403,
        body: { error: expect.any(String), code: 'ip_not_allowed' },
      });
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
    });

    it('refuses unknown, malformed and huge keys with 401 api_key_invalid', async () => {
      const { key } = await userWithKey('ak-bad', 1);
      const [id, secret] = key.key.split('.');
      for (const value of [
        `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
        'tak_' + 'A'.repeat(22) + '.' + 'B'.repeat(43),
        'garbage',
        'x'.repeat(8_000),
        // One character of the secret changed in the middle.
        `${id}.${secret.slice(0, 20)}${secret[20] === 'x' ? 'y' : 'x'}${secret.slice(21)}`,
      ]) {
        const response = await call(api.url, 'GET', '/auth/me', {
          key: value,
        });
        expect(response).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'api_key_invalid' },
        });
        expect(JSON.stringify(response.body)).not.toContain(secret);
      }
      const both = await call(api.url, 'GET', '/auth/me', {
        key: key.key,
        token: 'whatever',
      });
      expect(both.status).toBe(400);
    });

    it('cannot log in, refresh, log out or manage keys: 403 session_required', async () => {
      const { key } = await userWithKey('ak-session', 2);
      const attempts: [string, string, unknown][] = [
        [
          'POST',
          '/auth/login',
          { username: 'ak-session', password: 'password-of-ak-session' },
        ],
        ['POST', '/auth/refresh', { refresh_token: 'x' }],
        ['POST', '/auth/logout', undefined],
        [
          'POST',
          '/auth/api-keys',
          { name: 'b', permission_tier: 1, password: 'password-of-ak-session' },
        ],
        ['GET', '/auth/api-keys', undefined],
        ['DELETE', `/auth/api-keys/${key.id}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        const response = await call(api.url, method, path, {
          key: key.key,
          body,
        });
        expect([path, response]).toEqual([
          path,
          {
            status: 403,
            body: { error: expect.any(String), code: 'session_required' },
          },
        ]);
      }
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
    });

    it('shows its first use in the list within seconds', async () => {
      const { user, key } = await userWithKey('ak-last', 1);
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
      let item: any;
      await waitFor(
        async () => {
          item = (await api.get('/auth/api-keys', user.access_token)).body
            .items[0];
          return item.last_used_at !== null;
        },
        10_000,
        100,
      );
      expect(item.last_used_ip).toBe('127.0.0.1');
      expect(item.last_used_at).toBeGreaterThanOrEqual(key.created_at);
    });
  });

  describe('revoking', () => {
    it('stops the key at once and closes its socket with 4002', async () => {
      const { user, key } = await userWithKey('ak-revoke', 2);
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
      const ticket = await call(api.url, 'POST', '/auth/ws-ticket', {
        key: key.key,
      });
      expect(ticket.status).toBe(200);
      const socket = await WsClient.openUrl(
        `${api.wsUrl}/ws?ticket=${ticket.body.ticket}`,
      );
      const revoked = await api.request('DELETE', `/auth/api-keys/${key.id}`, {
        token: user.access_token,
      });
      expect(revoked.status).toBe(204);
      expect(await call(api.url, 'GET', '/auth/me', { key: key.key })).toEqual({
        status: 401,
        body: { error: expect.any(String), code: 'api_key_invalid' },
      });
      expect(await socket.closed).toMatchObject({ code: 4002 });
      expect(
        (await api.get('/auth/api-keys', user.access_token)).body.items,
      ).toEqual([]);
      // Again, or someone else's, or unknown: 404; malformed: 400.
      expect(
        (
          await api.request('DELETE', `/auth/api-keys/${key.id}`, {
            token: user.access_token,
          })
        ).status,
      ).toBe(404);
    });

    it("answers 404 for another user's key and leaves it working", async () => {
      const { key } = await userWithKey('ak-owner', 1);
      const other = await api.createUser('ak-other', 4);
      const response = await api.request('DELETE', `/auth/api-keys/${key.id}`, {
        token: other.access_token,
      });
      expect(response.status).toBe(404);
      expect(
        (
          await api.request('DELETE', '/auth/api-keys/not-an-id', {
            token: other.access_token,
          })
        ).status,
      ).toBe(400);
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(200);
    });

    it('lets an admin list and revoke a user’s keys', async () => {
      const { user, key } = await userWithKey('ak-admin', 2);
      const admin = await api.adminToken();
      const list = await api.get(`/admin/users/${user.id}/api-keys`, admin);
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: any) => k.id)).toEqual([key.id]);
      expect(
        (await api.get(`/admin/users/${user.id}/api-keys`, user.access_token))
          .status,
      ).toBe(403);
      expect(
        (await api.get('/admin/users/999999/api-keys', admin)).status,
      ).toBe(404);
      expect((await api.get('/admin/users/abc/api-keys', admin)).status).toBe(
        400,
      );
      const revoked = await api.request(
        'DELETE',
        `/admin/users/${user.id}/api-keys/${key.id}`,
        { token: admin },
      );
      expect(revoked.status).toBe(204);
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
      ).toBe(401);
    });

    it("stops when the owner is disabled, and with the owner's revoke-all", async () => {
      const admin = await api.adminToken();
      const disabled = await userWithKey('ak-disabled', 2);
      const revokeAll = await userWithKey('ak-revoke-all', 2);
      for (const { key } of [disabled, revokeAll])
        expect(
          (await call(api.url, 'GET', '/auth/me', { key: key.key })).status,
        ).toBe(200);

      expect(
        (
          await api.request('PATCH', `/admin/users/${disabled.user.id}`, {
            token: admin,
            body: { disabled: true },
          })
        ).status,
      ).toBe(200);
      expect(
        await call(api.url, 'GET', '/auth/me', { key: disabled.key.key }),
      ).toEqual({
        status: 401,
        body: { error: expect.any(String), code: 'api_key_invalid' },
      });

      expect(
        (
          await api.request(
            'DELETE',
            `/admin/users/${revokeAll.user.id}/sessions`,
            { token: admin },
          )
        ).status,
      ).toBe(204);
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: revokeAll.key.key }))
          .status,
      ).toBe(401);
    });

    it('follows a tier change of the owner on the next request', async () => {
      const { user, key } = await userWithKey('ak-tier', 3);
      const admin = await api.adminToken();
      await api.request('PATCH', `/admin/users/${user.id}`, {
        token: admin,
        body: { permission_tier: 1 },
      });
      expect(
        (await call(api.url, 'GET', '/auth/me', { key: key.key })).body
          .permission_tier,
      ).toBe(1);
    });
  });
});

/** A well-formed key that no server minted. */
function randomKey(): string {
  return `tak_${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
}

describe.each(DRIVERS)('unknown API keys on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let dataSource: DataSource;
  /** Statements that read api_keys, as TypeORM sends them to the driver. */
  let keyReads = 0;
  let restoreLogger: () => void;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, { RATE_LIMIT_API_KEY_FAILURES_MAX: '5' });
    dataSource = api.app.get(DataSource);
    // Counted where every statement of both drivers passes (their query
    // runners call logQuery whether logging is on or not); calls through.
    const logger = dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      if (/^SELECT\b/i.test(query) && /\bapi_keys\b/.test(query)) keyReads++;
      return logQuery(query, parameters, runner);
    };
    restoreLogger = () => (logger.logQuery = logQuery);
  });

  afterAll(async () => {
    restoreLogger?.();
    await api.close();
    await db.drop();
  });

  it('reads the database once for an unknown id presented again and again', async () => {
    const key = randomKey();
    const before = keyReads;
    for (let i = 0; i < 4; i++)
      expect(
        await call(api.url, 'GET', '/auth/me', {
          key,
          localAddress: '127.0.0.61',
        }),
      ).toEqual({
        status: 401,
        body: { error: expect.any(String), code: 'api_key_invalid' },
      });
    expect(keyReads - before).toBe(1);
  });

  it('answers random keys from one address with 429 and Retry-After past the budget, reading no more; a valid key from another address is unaffected', async () => {
    const { key } = await (async () => {
      const user = await api.createUser('ak-storm', 2);
      const created = await api.post<CreatedKey>(
        '/auth/api-keys',
        { name: 'bot', permission_tier: 2, password: 'password-of-ak-storm' },
        user.access_token,
      );
      expect(created.status).toBe(201);
      return { key: created.body.key };
    })();
    const before = keyReads;
    const statuses: number[] = [];
    let last: FromResponse | undefined;
    for (let i = 0; i < 12; i++) {
      last = await requestFrom('127.0.0.62', api.url + '/auth/me', {
        method: 'GET',
        headers: { 'x-api-key': randomKey() },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
    expect(last!.body).toEqual({
      error: expect.any(String),
      code: 'rate_limited',
    });
    const retryAfter = Number(last!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last!.headers['ratelimit-policy']).toBe('"api-key-ip";q=5;w=60');
    expect(parseRateLimit(last!.headers.ratelimit)).toEqual({
      name: 'api-key-ip',
      r: 0,
      t: retryAfter,
    });
    // Twelve random ids, five reads: the refused ones never reached the database.
    expect(keyReads - before).toBe(5);

    // Another address: a valid key works, and its own budget is untouched.
    const valid = await requestFrom('127.0.0.63', api.url + '/auth/me', {
      method: 'GET',
      headers: { 'x-api-key': key },
    });
    expect(valid.status).toBe(200);
    const unknown = await requestFrom('127.0.0.63', api.url + '/auth/me', {
      method: 'GET',
      headers: { 'x-api-key': randomKey() },
    });
    expect(unknown.body.code).toBe('api_key_invalid');
  });
});

describe.each(DRIVERS)(
  'an API key and the per-user budget on $name',
  (driver) => {
    let db: TestDatabase;
    let api: TestApp;

    beforeAll(async () => {
      db = await driver.create();
      api = await TestApp.start(db, { RATE_LIMIT_USER_MAX: '3' });
    });

    afterAll(async () => {
      await api.close();
      await db.drop();
    });

    it('counts as a user of its own: its writes do not use up the owner’s budget', async () => {
      const user = await api.createUser('ak-budget', 2);
      // The owner's first write: creating the key.
      const created = await api.post(
        '/auth/api-keys',
        { name: 'bot', permission_tier: 2, password: 'password-of-ak-budget' },
        user.access_token,
      );
      expect(created.status).toBe(201);
      const withKey = () =>
        call(api.url, 'POST', '/auth/ws-ticket', { key: created.body.key });
      for (let i = 0; i < 3; i++) expect((await withKey()).status).toBe(200);
      const limited = await withKey();
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('rate_limited');
      // The owner has used one of three.
      expect(
        (await api.post('/auth/ws-ticket', undefined, user.access_token))
          .status,
      ).toBe(200);
    });
  },
);

describe.each(DRIVERS)('API keys across instances on $name', (driver) => {
  let db: TestDatabase;
  let redis: RedisServer;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    db = await driver.create();
    redis = await RedisServer.start();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      // A database poll once a minute: what crosses within seconds went through Redis.
      REVOCATION_SYNC_MS: '60000',
      RATE_LIMIT_API_KEY_FAILURES_MAX: '4',
    };
    a = await ServerProcess.start(env);
    b = await ServerProcess.start(env);
    // Two ts-node starts one after the other: each took 33 s at a load of
    // 17 on two cores, past the suite's 60 s.
  }, 150_000);

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await redis?.kill();
    await db?.drop();
  });

  it('a revoke on A stops the key on B, whose memo held it, and closes its socket there', async () => {
    const admin = (
      await a.post('/auth/login', {
        username: ADMIN.username,
        password: ADMIN.password,
      })
    ).body.access_token;
    const created = await a.post(
      '/admin/users',
      {
        username: 'ak-multi',
        password: 'password-of-ak-multi',
        permission_tier: 2,
      },
      admin,
    );
    expect(created.status).toBe(201);
    const session = (
      await a.post('/auth/login', {
        username: 'ak-multi',
        password: 'password-of-ak-multi',
      })
    ).body.access_token;
    const key = await call(a.url, 'POST', '/auth/api-keys', {
      token: session,
      body: {
        name: 'bot',
        permission_tier: 2,
        password: 'password-of-ak-multi',
      },
    });
    expect(key.status).toBe(201);
    expect(
      (await call(b.url, 'GET', '/auth/me', { key: key.body.key })).status,
    ).toBe(200);
    const ticket = await call(b.url, 'POST', '/auth/ws-ticket', {
      key: key.body.key,
    });
    const socket = await WsClient.openUrl(
      `${b.wsUrl}/ws?ticket=${ticket.body.ticket}`,
    );

    expect(
      (
        await call(a.url, 'DELETE', `/auth/api-keys/${key.body.id}`, {
          token: session,
        })
      ).status,
    ).toBe(204);
    await waitFor(
      async () =>
        (await call(b.url, 'GET', '/auth/me', { key: key.body.key })).status ===
        401,
      5_000,
      10,
    );
    expect(
      (await call(b.url, 'GET', '/auth/me', { key: key.body.key })).body.code,
    ).toBe('api_key_invalid');
    expect(await socket.closedWithin(5_000)).toMatchObject({ code: 4002 });
  });

  it('shares the failed-key budget of an address across instances through Redis', async () => {
    const from = (server: ServerProcess) =>
      call(server.url, 'GET', '/auth/me', {
        key: randomKey(),
        localAddress: '127.0.0.71',
      });
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b])
      statuses.push((await from(server)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});
