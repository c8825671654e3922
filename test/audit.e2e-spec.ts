import { DRIVERS, TestDatabase } from './support/databases';
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

  it('records a login refused by the failed-login budget', async () => {
    await api.createUser('budgeted', 2);
    let status = 0;
    for (let i = 0; i < 5 && status !== 429; i++)
      status = (
        await from('127.0.0.51', 'POST', '/auth/login', {
          username: 'budgeted',
          password: 'wrong-password-123',
        })
      ).status;
    expect(status).toBe(429);
    let items: AuditItem[] = [];
    await waitFor(async () => {
      items = (await api.get('/admin/audit?type=login_rate_limited', admin))
        .body.items;
      return items.length > 0;
    }, 5000);
    expect(items[0]).toMatchObject({
      type: 'login_rate_limited',
      ip: '127.0.0.51',
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
