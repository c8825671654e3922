import { DRIVERS, sql, TestDatabase } from './support/databases';
import { requestFrom } from './support/http-from';
import { ADMIN, TestApp, waitFor } from './support/test-app';

interface AuditItem {
  id: number;
  type: string;
  user_id: number | null;
  actor_id: number | null;
  ip: string | null;
  user_agent: string | null;
  at: number;
  detail: Record<string, unknown> | null;
}

describe.each(DRIVERS)('audit trail on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let admin: string;
  let adminId: number;

  beforeAll(async () => {
    db = await driver.create();
    // A small failed-login budget, so one test can run into it.
    api = await TestApp.start(db, { RATE_LIMIT_LOGIN_MAX: '3' });
    admin = await api.adminToken();
    adminId = (await api.get('/auth/me', admin)).body.id;
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /** Each action comes from its own client address, so the event shows whose it is. */
  const from = (
    address: string,
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ) => requestFrom(address, api.url + path, { method, body, token });

  /** The events of one user, once they include every type in `types`; the lookup gives the oldest of a type. */
  async function eventsOf(userId: number, types: string[]) {
    let items: AuditItem[] = [];
    await waitFor(async () => {
      const response = await api.get(
        `/admin/audit?user_id=${userId}&limit=200`,
        admin,
      );
      items = response.body.items;
      return types.every((type) => items.some((item) => item.type === type));
    }, 5000);
    return (type: string) => items.filter((item) => item.type === type).pop()!;
  }

  it('records every listed action with its client address and actor', async () => {
    const password = 'audit-user-password';
    const created = await from(
      '127.0.0.31',
      'POST',
      '/admin/users',
      {
        username: 'audit-user',
        password,
        permission_tier: 2,
      },
      admin,
    );
    expect(created.status).toBe(201);
    const id: number = created.body.id;

    const login = await from('127.0.0.32', 'POST', '/auth/login', {
      username: 'audit-user',
      password,
    });
    expect(login.status).toBe(200);
    const failed = await from('127.0.0.33', 'POST', '/auth/login', {
      username: ' AUDIT-USER ',
      password: 'not-the-password-42',
    });
    expect(failed.status).toBe(401);

    const second = await api.login('audit-user', password);
    const third = await api.login('audit-user', password);
    const secondSid = second.refresh_token.split('.')[0];
    expect(
      (
        await from(
          '127.0.0.36',
          'DELETE',
          `/auth/sessions/${secondSid}`,
          undefined,
          login.body.access_token,
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await from(
          '127.0.0.37',
          'DELETE',
          '/auth/sessions',
          undefined,
          third.access_token,
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await from(
          '127.0.0.35',
          'POST',
          '/auth/logout',
          undefined,
          third.access_token,
        )
      ).status,
    ).toBe(204);

    const patch = (address: string, body: unknown) =>
      from(address, 'PATCH', `/admin/users/${id}`, body, admin);
    expect((await patch('127.0.0.38', { permission_tier: 3 })).status).toBe(
      200,
    );
    expect((await patch('127.0.0.39', { disabled: true })).status).toBe(200);
    expect((await patch('127.0.0.40', { disabled: false })).status).toBe(200);
    expect(
      (await patch('127.0.0.41', { password: 'a-new-password-99' })).status,
    ).toBe(200);

    const event = await eventsOf(id, [
      'user_created',
      'login_succeeded',
      'login_failed',
      'session_revoked',
      'sessions_revoked_all',
      'logout',
      'tier_changed',
      'user_disabled',
      'user_enabled',
      'password_changed',
    ]);
    const expectations: [string, string, number | null][] = [
      ['user_created', '127.0.0.31', adminId],
      ['login_succeeded', '127.0.0.32', id],
      ['login_failed', '127.0.0.33', null],
      ['session_revoked', '127.0.0.36', id],
      ['sessions_revoked_all', '127.0.0.37', id],
      ['logout', '127.0.0.35', id],
      ['tier_changed', '127.0.0.38', adminId],
      ['user_disabled', '127.0.0.39', adminId],
      ['user_enabled', '127.0.0.40', adminId],
      ['password_changed', '127.0.0.41', adminId],
    ];
    for (const [type, ip, actorId] of expectations)
      expect([type, event(type)]).toEqual([
        type,
        expect.objectContaining({ user_id: id, ip, actor_id: actorId }),
      ]);
    // The username as normalised, never the password.
    expect(event('login_failed').detail).toEqual({
      username: 'audit-user',
      reason: 'invalid_credentials',
    });
    expect(JSON.stringify(event('login_failed'))).not.toContain(
      'not-the-password-42',
    );
    expect(event('tier_changed').detail).toEqual({ from: 2, to: 3 });
    expect(event('session_revoked').detail).toEqual({ session_id: secondSid });
  });

  /** The newest events of `type` from `ip`, once there are `count` of them. */
  async function eventsFrom(type: string, ip: string, count: number) {
    let body: { items: AuditItem[] } = { items: [] };
    await waitFor(async () => {
      body = (await api.get(`/admin/audit?type=${type}&limit=200`, admin)).body;
      return body.items.filter((item) => item.ip === ip).length >= count;
    }, 5000);
    return {
      items: body.items.filter((item) => item.ip === ip),
      text: JSON.stringify(body),
    };
  }

  it('records a login refused by the failed-login budget of an account', async () => {
    await api.createUser('budgeted', 2);
    let status = 0;
    // From a new address each time: the account's budget runs out, not an address's.
    for (let i = 0; i < 5 && status !== 429; i++)
      status = (
        await from(`127.0.0.${51 + i}`, 'POST', '/auth/login', {
          username: 'budgeted',
          password: 'wrong-password-123',
        })
      ).status;
    expect(status).toBe(429);
    const { items } = await eventsFrom('login_rate_limited', '127.0.0.54', 1);
    expect(items[0]).toMatchObject({
      type: 'login_rate_limited',
      detail: { username: 'budgeted' },
    });
  });

  it('records an API key used from outside its allowlist: key, owner and address, never the key', async () => {
    const owner = await api.createUser('audit-key-owner', 3);
    const created = await api.post(
      '/auth/api-keys',
      {
        name: 'bot',
        permission_tier: 3,
        ip_allowlist: ['127.0.0.1'],
        password: 'password-of-audit-key-owner',
      },
      owner.access_token,
    );
    expect(created.status).toBe(201);
    const { id: keyId, key } = created.body as { id: string; key: string };
    const outside = await requestFrom('127.0.0.53', api.url + '/auth/me', {
      method: 'GET',
      headers: { 'x-api-key': key },
    });
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('ip_not_allowed');

    let items: AuditItem[] = [];
    await waitFor(async () => {
      items = (
        await api.get(
          `/admin/audit?type=api_key_ip_not_allowed&user_id=${owner.id}`,
          admin,
        )
      ).body.items;
      return items.length > 0;
    }, 5000);
    expect(items).toEqual([
      expect.objectContaining({
        type: 'api_key_ip_not_allowed',
        user_id: owner.id,
        // Nobody was authenticated: whoever holds the key is not the owner's session.
        actor_id: null,
        ip: '127.0.0.53',
        detail: { key_id: keyId },
      }),
    ]);
    const text = JSON.stringify(items);
    expect(text).not.toContain(key.split('.')[1]);
    expect(text).not.toContain(key);
  });

  it('records the username of a failed login only when it names a user, never a password typed into it', async () => {
    const typed = 'tr0ub4dor&3-secret';
    const valid = 'hunter2-typed-as-name';
    for (const username of [typed, valid])
      expect(
        await from('127.0.0.61', 'POST', '/auth/login', {
          username,
          password: 'whatever-password-1',
        }),
      ).toMatchObject({
        status: 401,
        body: {
          error: 'Invalid username or password',
          code: 'invalid_credentials',
        },
      });
    const failed = await eventsFrom('login_failed', '127.0.0.61', 2);
    for (const item of failed.items)
      expect(item).toMatchObject({
        user_id: null,
        detail: { username: '(unknown)', reason: 'invalid_credentials' },
      });
    expect(failed.text).not.toContain(typed);
    expect(failed.text).not.toContain(valid);

    // Refused by the address's budget, before any lookup: not known to be a user either.
    let status = 0;
    for (let i = 0; i < 5 && status !== 429; i++)
      status = (
        await from('127.0.0.62', 'POST', '/auth/login', {
          username: `${typed}${i}`,
          password: 'whatever-password-1',
        })
      ).status;
    expect(status).toBe(429);
    const limited = await eventsFrom('login_rate_limited', '127.0.0.62', 1);
    expect(limited.items[0].detail).toEqual({ username: '(unknown)' });
    expect(limited.text).not.toContain(typed);
  });

  it('pages newest first with next_before, and filters by type', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await api.createUser(name, 1);
    let first: any;
    await waitFor(async () => {
      first = (await api.get('/admin/audit?type=user_created&limit=2', admin))
        .body;
      return first.items.some(
        (item: AuditItem) => item.detail?.username === 'page-c',
      );
    }, 5000);
    expect(first.items).toHaveLength(2);
    expect(first.items[0].id).toBeGreaterThan(first.items[1].id);
    expect(first.next_before).toBe(first.items[1].id);
    const second = (
      await api.get(
        `/admin/audit?type=user_created&limit=2&before=${first.next_before}`,
        admin,
      )
    ).body;
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items[0].id).toBeLessThan(first.next_before);
    for (const item of [...first.items, ...second.items])
      expect(item.type).toBe('user_created');
    const all = (
      await api.get('/admin/audit?type=user_created&limit=200', admin)
    ).body;
    expect(all.next_before).toBeNull();
  });

  it.each([
    'type=no_such_event',
    'limit=0',
    'limit=201',
    'limit=abc',
    'before=-1',
    'user_id=1.5',
    `user_id=${'9'.repeat(40)}`,
  ])('answers ?%s with 400 validation_error', async (query) => {
    const response = await api.get(`/admin/audit?${query}`, admin);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_error');
  });

  it('is for admins only', async () => {
    const trader = await api.createUser('audit-trader', 3);
    expect((await api.get('/admin/audit', trader.access_token)).body.code).toBe(
      'insufficient_tier',
    );
    expect((await api.get('/admin/audit')).status).toBe(401);
    expect(ADMIN.username).toBeDefined();
  });
});

describe.each(DRIVERS)('client addresses behind a proxy on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, {
      TRUST_PROXY: '1',
      RATE_LIMIT_LOGIN_MAX: '3',
    });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const failLogin = (username: string, forwardedFor: string) =>
    api.request('POST', '/auth/login', {
      body: { username, password: 'not-the-password-7' },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('audits one IPv4 client under one address, and charges one budget, whatever form the proxy writes it in', async () => {
    const forms = ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:CB00:7107'];
    const ids: number[] = [];
    // One account each, so only the address's failed-login budget is shared.
    for (const [i, form] of forms.entries()) {
      const user = await api.createUser(`proxied-${i}`, 1);
      ids.push(user.id);
      expect((await failLogin(`proxied-${i}`, form)).status).toBe(401);
    }
    const refused = await failLogin('proxied-0', '::ffff:cb00:7107');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: expect.stringContaining('address'),
      code: 'rate_limited',
    });
    // Another client behind the same proxy still has its own budget.
    expect((await failLogin('proxied-1', '203.0.113.8')).status).toBe(401);

    const admin = await api.adminToken();
    let items: AuditItem[] = [];
    await waitFor(async () => {
      items = (
        await api.get('/admin/audit?type=login_failed&limit=200', admin)
      ).body.items.filter((item: AuditItem) => ids.includes(item.user_id!));
      return items.length >= 4;
    }, 5000);
    expect(items.map((item) => item.ip).sort()).toEqual([
      '203.0.113.7',
      '203.0.113.7',
      '203.0.113.7',
      '203.0.113.8',
    ]);
  });

  it('audits an IPv6 client in its canonical compressed lowercase form', async () => {
    const user = await api.createUser('proxied-v6', 1);
    expect(
      (await failLogin('proxied-v6', '2001:DB8:0:0:0:0:0:0A')).status,
    ).toBe(401);
    const admin = await api.adminToken();
    let items: AuditItem[] = [];
    await waitFor(async () => {
      items = (
        await api.get(
          `/admin/audit?type=login_failed&user_id=${user.id}`,
          admin,
        )
      ).body.items;
      return items.length > 0;
    }, 5000);
    expect(items[0].ip).toBe('2001:db8::a');
  });
});

describe.each(DRIVERS)('audit retention on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    // The shortest retention, purged every second.
    api = await TestApp.start(db, {
      AUDIT_RETENTION_DAYS: '1',
      BLOCKLIST_PURGE_SECONDS: '1',
    });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('deletes events older than AUDIT_RETENTION_DAYS and keeps the newer ones', async () => {
    const user = await api.createUser('retained', 1);
    const admin = await api.adminToken();
    const dayMs = 86_400_000;
    // Two events written as the server writes them, one just past the
    // retention and one just inside it.
    for (const [ageMs, marker] of [
      [dayMs + 60_000, 'past'],
      [dayMs - 60_000, 'inside'],
    ] as const)
      await sql(
        db,
        'INSERT INTO auth_events (type, user_id, actor_id, ip, user_agent, at, detail) VALUES (?, ?, NULL, NULL, NULL, ?, ?)',
        [
          'login_failed',
          user.id,
          Date.now() - ageMs,
          JSON.stringify({ marker }),
        ],
      );
    const markers = async () =>
      (
        await api.get(
          `/admin/audit?type=login_failed&user_id=${user.id}`,
          admin,
        )
      ).body.items.map((item: AuditItem) => item.detail?.marker);
    expect((await markers()).sort()).toEqual(['inside', 'past']);
    await waitFor(async () => !(await markers()).includes('past'), 5000);
    expect(await markers()).toEqual(['inside']);
  });
});
