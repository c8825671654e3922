import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { DRIVERS, TestDatabase } from './support/databases';
import { OrdersModule } from './fixtures/orders.module';
import { TickerModule } from './fixtures/ticker.module';
import { ADMIN, ApiResponse, TestApp } from './support/test-app';

jest.setTimeout(60_000);

/**
 * What an API key may reach, route by route: `key` (a key is let through to
 * the route's own checks) or `session` (403 session_required to any key).
 * The rule: a key never creates, changes or ends a credential. Under /auth
 * a key reaches only GET /auth/me, POST /auth/ws-ticket and POST
 * /auth/introspect; under /admin it
 * keeps the reads. Every route of the application must be listed here: a
 * route added later fails the first test until someone classifies it.
 */
const REACH: Record<string, 'key' | 'session'> = {
  'POST /auth/login': 'session',
  'POST /auth/login/mfa': 'session',
  'POST /auth/refresh': 'session',
  'POST /auth/step-up': 'session',
  'POST /auth/password': 'session',
  'GET /auth/mfa': 'session',
  'POST /auth/mfa/totp': 'session',
  'POST /auth/mfa/totp/confirm': 'session',
  'DELETE /auth/mfa/totp': 'session',
  'POST /auth/mfa/recovery-codes': 'session',
  'POST /auth/logout': 'session',
  'POST /auth/ws-ticket': 'key',
  'GET /auth/me': 'key',
  'GET /auth/sessions': 'session',
  'DELETE /auth/sessions': 'session',
  'DELETE /auth/sessions/:id': 'session',
  'POST /auth/api-keys': 'session',
  'GET /auth/api-keys': 'session',
  'DELETE /auth/api-keys/:id': 'session',
  'POST /admin/users': 'session',
  'GET /admin/users': 'key',
  'PATCH /admin/users/:id': 'session',
  'DELETE /admin/users/:id/sessions': 'session',
  'DELETE /admin/users/:id/mfa': 'session',
  'GET /admin/users/:id/sessions': 'key',
  'DELETE /admin/users/:id/sessions/:sid': 'session',
  'GET /admin/users/:id/api-keys': 'key',
  'DELETE /admin/users/:id/api-keys/:keyId': 'session',
  'GET /admin/audit': 'key',
  'GET /health': 'key',
  'GET /health/live': 'key',
  'GET /health/ready': 'key',
  // Introspection is for services, which hold keys (with `introspect`).
  'POST /auth/introspect': 'key',
  'GET /.well-known/jwks.json': 'key',
  'GET /.well-known/oauth-authorization-server': 'key',
  'GET /time': 'key',
  // The feature-module fixtures of docs/integrating.md: a platform module's routes keep
  // API keys, with their tier as the limit.
  'GET /orders': 'key',
  'POST /orders': 'key',
  'POST /orders/bulk-cancel': 'key',
  // @RequireMfa: a key is not a person with a second factor (MfaGuard).
  'POST /orders/withdrawals': 'session',
};

const join = (...parts: unknown[]) =>
  '/' +
  parts
    .map(String)
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');

/** Every route Nest mounts from a controller, as `METHOD /path`. */
function routesOf(api: TestApp): string[] {
  const routes = new Set<string>();
  for (const module of api.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: object } | null;
      if (!controller) continue;
      const bases = [Reflect.getMetadata(PATH_METADATA, controller)].flat();
      for (
        let prototype = controller.prototype;
        prototype !== Object.prototype;
        prototype = Object.getPrototypeOf(prototype) as object
      ) {
        for (const name of Object.getOwnPropertyNames(prototype)) {
          const handler: unknown = Object.getOwnPropertyDescriptor(
            prototype,
            name,
          )?.value;
          if (name === 'constructor' || typeof handler !== 'function') continue;
          const method = Reflect.getMetadata(METHOD_METADATA, handler) as
            RequestMethod | undefined;
          if (method === undefined) continue;
          for (const base of bases)
            for (const path of [
              Reflect.getMetadata(PATH_METADATA, handler),
            ].flat())
              routes.add(`${RequestMethod[method]} ${join(base, path)}`);
        }
      }
    }
  }
  return [...routes].sort();
}

describe.each(DRIVERS)('What an API key reaches, on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let adminToken: string;
  let adminKey: string;
  let victim: { id: number; access_token: string; refresh_token: string };

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, {}, [OrdersModule, TickerModule]);
    adminToken = await api.adminToken();
    victim = await api.createUser('kr-victim', 2);
    const created = await api.post(
      '/auth/api-keys',
      {
        name: 'back office',
        permission_tier: 4,
        ip_allowlist: ['127.0.0.1'],
        password: ADMIN.password,
      },
      adminToken,
    );
    expect(created.status).toBe(201);
    adminKey = created.body.key;
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const withKey = (
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse> =>
    api.request(method, path, { body, headers: { 'x-api-key': key } });

  it('classifies every route of the application', () => {
    expect(routesOf(api)).toEqual(Object.keys(REACH).sort());
  });

  it.each(Object.entries(REACH))(
    'a tier-4 key on %s: %s',
    async (route, reach) => {
      const [method, template] = route.split(' ');
      const path = template
        .replace(':id', String(victim.id))
        .replace(/:[a-zA-Z]+/g, 'AAAAAAAAAAAAAAAAAAAAAA');
      const response = await withKey(
        adminKey,
        method,
        path,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      if (reach === 'session') {
        expect(response.status).toBe(403);
        expect(response.body).toEqual({
          error: expect.any(String),
          code: 'session_required',
        });
      } else {
        expect(response.body?.code).not.toBe('session_required');
        expect(response.status).not.toBe(401);
      }
    },
  );

  it('a tier-4 key cannot mint an administrator', async () => {
    const response = await withKey(adminKey, 'POST', '/admin/users', {
      username: 'shadow-admin',
      password: 'shadow-password-1',
      permission_tier: 4,
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('session_required');
    const login = await api.post('/auth/login', {
      username: 'shadow-admin',
      password: 'shadow-password-1',
    });
    expect(login.status).toBe(401);
    const users = await withKey(adminKey, 'GET', '/admin/users');
    expect(users.status).toBe(200);
    expect(JSON.stringify(users.body)).not.toContain('shadow-admin');
  });

  it("a tier-4 key cannot set a user's password, tier or state", async () => {
    for (const body of [
      { password: 'taken-over-password-1' },
      { permission_tier: 4 },
      { disabled: true },
    ]) {
      const response = await withKey(
        adminKey,
        'PATCH',
        `/admin/users/${victim.id}`,
        body,
      );
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('session_required');
    }
    expect(
      (
        await api.post('/auth/login', {
          username: 'kr-victim',
          password: 'taken-over-password-1',
        })
      ).status,
    ).toBe(401);
    const me = await api.login('kr-victim', 'password-of-kr-victim');
    expect(me.permission_tier).toBe(2);
  });

  it("a tier-4 key cannot end a user's sessions", async () => {
    const response = await withKey(
      adminKey,
      'DELETE',
      `/admin/users/${victim.id}/sessions`,
    );
    expect(response.status).toBe(403);
    expect((await api.get('/auth/me', victim.access_token)).status).toBe(200);
  });

  it('a read-only key gets no write of the application to answer 2xx but the ticket, which declares "read"', async () => {
    // The admin's key is read-only: it was made without `scopes`.
    const answered: string[] = [];
    for (const route of Object.keys(REACH)) {
      const [method, template] = route.split(' ');
      if (method === 'GET') continue;
      const path = template
        .replace(':id', String(victim.id))
        .replace(/:[a-zA-Z]+/g, 'AAAAAAAAAAAAAAAAAAAAAA');
      const response = await withKey(adminKey, method, path, {});
      if (response.status >= 200 && response.status < 300) answered.push(route);
      else expect(response.status).toBeGreaterThanOrEqual(400);
    }
    expect(answered).toEqual(['POST /auth/ws-ticket']);
  });

  it("a read-only key can neither see nor end its owner's sessions", async () => {
    const owner = await api.createUser('kr-reader', 1);
    const created = await api.post(
      '/auth/api-keys',
      {
        name: 'read only',
        permission_tier: 1,
        password: 'password-of-kr-reader',
      },
      owner.access_token,
    );
    expect(created.status).toBe(201);
    const key = created.body.key as string;

    const listing = await withKey(key, 'GET', '/auth/sessions');
    expect(listing.status).toBe(403);
    expect(listing.body).toEqual({
      error: expect.any(String),
      code: 'session_required',
    });
    expect(listing.text).not.toContain('127.0.0.1');
    for (const path of [
      '/auth/sessions',
      '/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      const ended = await withKey(key, 'DELETE', path);
      expect(ended.status).toBe(403);
      expect(ended.body.code).toBe('session_required');
    }
    // The owner's session is untouched: its token and refresh token work.
    expect((await api.get('/auth/me', owner.access_token)).status).toBe(200);
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: owner.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    // The key itself still reaches what it may.
    expect((await withKey(key, 'GET', '/auth/me')).status).toBe(200);
  });
});
