import { createHmac, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Authenticator } from './support/authenticator';
import { ServerProcess } from './support/server-process';
import { DRIVERS, TestDatabase } from './support/databases';
import { requestFrom } from './support/http-from';
import { Ed25519Signer } from './support/ed25519-signer';
import { OpenApiContract } from './support/openapi-contract';
import { TcpProxy } from './support/tcp-proxy';
import {
  ADMIN,
  ApiResponse,
  LoginBody,
  RequestOptions,
  TEST_JWT_SECRET,
  TestApp,
  waitFor,
} from './support/test-app';

jest.setTimeout(120_000);

/**
 * Who may call each route, as the document must say it (derived from
 * @Public, @SessionOnly and @RequireTier): a tier, or 'public'; `session`
 * marks the routes an API key may not use. A route missing here fails the
 * test, so a new route gets its line (and is driven below).
 */
const ACCESS: Record<
  string,
  { tier: number | 'public'; session?: true; scope?: string }
> = {
  'POST /auth/login': { tier: 'public', session: true },
  'POST /auth/login/mfa': { tier: 'public', session: true },
  'POST /auth/refresh': { tier: 'public', session: true },
  'POST /auth/step-up': { tier: 1, session: true },
  'POST /auth/password': { tier: 1, session: true },
  'GET /auth/mfa': { tier: 1, session: true },
  'POST /auth/mfa/totp': { tier: 1, session: true },
  'POST /auth/mfa/totp/confirm': { tier: 1, session: true },
  'DELETE /auth/mfa/totp': { tier: 1, session: true },
  'POST /auth/mfa/recovery-codes': { tier: 1, session: true },
  'POST /auth/logout': { tier: 1, session: true },
  'POST /auth/ws-ticket': { tier: 1 },
  'GET /auth/me': { tier: 1 },
  'GET /auth/sessions': { tier: 1, session: true },
  'DELETE /auth/sessions': { tier: 1, session: true },
  'DELETE /auth/sessions/{id}': { tier: 1, session: true },
  'POST /auth/api-keys': { tier: 1, session: true },
  'GET /auth/api-keys': { tier: 1, session: true },
  'DELETE /auth/api-keys/{id}': { tier: 1, session: true },
  'GET /admin/users/{id}/api-keys': { tier: 4 },
  'DELETE /admin/users/{id}/api-keys/{keyId}': { tier: 4, session: true },
  'POST /admin/users': { tier: 4, session: true },
  'GET /admin/users': { tier: 4 },
  'PATCH /admin/users/{id}': { tier: 4, session: true },
  'DELETE /admin/users/{id}/sessions': { tier: 4, session: true },
  'DELETE /admin/users/{id}/mfa': { tier: 4, session: true },
  'GET /admin/users/{id}/sessions': { tier: 4 },
  'DELETE /admin/users/{id}/sessions/{sid}': { tier: 4, session: true },
  'GET /admin/audit': { tier: 4 },
  'GET /health': { tier: 'public' },
  'GET /health/live': { tier: 'public' },
  'GET /health/ready': { tier: 'public' },
  'GET /time': { tier: 'public' },
  'POST /auth/introspect': { tier: 4, scope: 'introspect' },
  'GET /.well-known/jwks.json': { tier: 'public' },
  'GET /.well-known/oauth-authorization-server': { tier: 'public' },
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Public, no input, no I/O: the server's clock, the liveness probe and the RFC 8414 document have no error to be driven to (but a bug's 500). */
const CANNOT_FAIL = new Set([
  'GET /time',
  'GET /health/live',
  'GET /.well-known/oauth-authorization-server',
]);
const UNKNOWN_KEY_ID = 'A'.repeat(22);
/** Of a session id's form (22 characters of base64url), and no session's. */
const UNKNOWN_SESSION_ID = 'S'.repeat(22);

function signHs256(claims: object): string {
  const b64url = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

function errorCodes(spec: any, status: number): string[] {
  return (
    spec.responses[String(status)]?.content['application/json'].schema.allOf[1]
      .properties.code.enum ?? []
  );
}

describe.each(DRIVERS)('OpenAPI document on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let contract: OpenApiContract;
  let admin: string;
  let trader: LoginBody & { id: number };
  let monitor: LoginBody & { id: number };

  /**
   * `method path` (a template of the document) with its `{params}` filled
   * in, on `app`; the answer is checked against the document and returned.
   */
  async function call(
    method: string,
    path: string,
    options: RequestOptions & {
      params?: Record<string, string | number>;
      query?: string;
      app?: TestApp;
    } = {},
  ): Promise<ApiResponse> {
    const url =
      path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(String(options.params?.[name] ?? name)),
      ) + (options.query ?? '');
    const response = await (options.app ?? api).request(method, url, options);
    contract.check(method, path, {
      ...response,
      header: (name) => response.headers.get(name),
    });
    return response;
  }

  /** Values for any route's path parameters that reach its handler's checks. */
  const anyParams = () => ({
    id: trader.id,
    keyId: UNKNOWN_KEY_ID,
    sid: UNKNOWN_SESSION_ID,
  });

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
    admin = await api.adminToken();
    trader = await api.createUser('oa-trader', 2);
    monitor = await api.createUser('oa-monitor', 1);
    const served = await api.get('/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    contract = new OpenApiContract(served.body);
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('is a valid OpenAPI 3.1 document', () => {
    expect(contract.documentProblems()).toEqual([]);
  });

  it('declares what OpenAPI tools ask of a document: servers, every tag used, contact, license', () => {
    const { servers, tags, info } = contract.document;
    // Relative, so it resolves against the host the document came from.
    expect(servers).toEqual([{ url: '/', description: expect.any(String) }]);
    const used = new Set(
      contract
        .operations()
        .flatMap(({ spec }) => (spec.tags ?? []) as string[]),
    );
    expect(used.size).toBeGreaterThan(0);
    expect(tags.map((tag: { name: string }) => tag.name).sort()).toEqual(
      [...used].sort(),
    );
    for (const tag of tags)
      expect([tag.name, tag.description]).toEqual([
        tag.name,
        expect.stringMatching(/\w/),
      ]);
    expect(info.contact).toEqual({ name: expect.stringMatching(/\w/) });
    // package.json's UNLICENSED: private, no rights granted.
    expect(info.license).toEqual({
      name: 'Proprietary (UNLICENSED)',
      identifier: 'LicenseRef-Proprietary',
    });
  });

  it('says who may call each route, from the guards metadata', () => {
    const operations = contract.operations();
    expect(
      operations.map(({ method, path }) => `${method} ${path}`).sort(),
    ).toEqual(Object.keys(ACCESS).sort());
    for (const { method, path, spec } of operations) {
      const access = ACCESS[`${method} ${path}`];
      const forbidden = errorCodes(spec, 403);
      const unauthorized = errorCodes(spec, 401);
      if (access.tier === 'public') {
        expect([method, path, spec.security]).toEqual([method, path, []]);
        expect(spec['x-required-tier']).toBeUndefined();
        expect(unauthorized).not.toContain('unauthorized');
      } else {
        expect([method, path, spec['x-required-tier']]).toEqual([
          method,
          path,
          access.tier,
        ]);
        expect(spec.description).toContain(`tier ${access.tier}`);
        expect(unauthorized).toEqual(
          expect.arrayContaining([
            'unauthorized',
            'token_invalid',
            'token_expired',
            'token_revoked',
          ]),
        );
        // Every GET here needs `read` of a key, and so does the ticket (it declares it).
        expect(spec.security).toEqual(
          access.session
            ? [{ bearer: [] }]
            : [
                { bearer: [] },
                { apiKey: [] },
                { apiKey: [], apiKeyTimestamp: [], apiKeySignature: [] },
              ],
        );
        expect(spec['x-required-scope']).toBe(
          access.session ? undefined : (access.scope ?? 'read'),
        );
        expect(forbidden.includes('insufficient_scope')).toBe(!access.session);
        // Tier 1 is every principal's; POST /auth/api-keys refuses keys above one's own tier itself.
        if (access.tier > 1) expect(forbidden).toContain('insufficient_tier');
        expect(unauthorized.includes('api_key_invalid')).toBe(!access.session);
      }
      expect(forbidden.includes('session_required')).toBe(
        access.session === true,
      );
      expect(spec.responses['500']).toBeDefined();
      // Writes have budgets; any route that takes an API key has the
      // address's budget of failed keys.
      if (WRITES.has(method) || (access.tier !== 'public' && !access.session)) {
        expect(errorCodes(spec, 429)).toEqual(['rate_limited']);
        expect(spec.responses['429'].headers['Retry-After'].required).toBe(
          true,
        );
      } else {
        expect(spec.responses['429']).toBeUndefined();
      }
    }
    expect(contract.document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
      }),
      apiKeyTimestamp: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Timestamp',
      }),
      apiKeySignature: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Signature',
      }),
    });
  });

  it('is served to anyone: no credentials needed, bad ones ignored', async () => {
    const credentials: Array<Record<string, string>> = [
      { authorization: 'Bearer not-a-token' },
      { 'x-api-key': 'tak_nonsense' },
    ];
    for (const headers of credentials) {
      const response = await api.request('GET', '/openapi.json', { headers });
      expect(response.status).toBe(200);
      expect(response.body.openapi).toBe('3.1.0');
    }
  });

  it('serves Swagger UI at /docs, and errors under it are {error, code}', async () => {
    for (const path of ['/docs', '/docs/']) {
      const page = await api.get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('swagger-ui');
    }
    const init = await api.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('"openapi": "3.1.0"');
    expect((await api.get('/docs/swagger-ui-bundle.js')).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/docs/no-such-file.js'],
      ['GET', '/docs/LICENSE'],
      ['GET', '/docs/%2e%2e/package.json'],
      ['POST', '/openapi.json'],
      ['DELETE', '/docs'],
      ['GET', '/openapi.yaml'],
    ]) {
      const response = await api.request(method, path);
      expect([method, path, response.status, response.body]).toEqual([
        method,
        path,
        404,
        { error: expect.any(String), code: 'not_found' },
      ]);
    }
  });

  it('every route answers as documented when it succeeds', async () => {
    // Sessions: a second login of the trader, listed and ended from the first.
    const login = await call('POST', '/auth/login', {
      body: { username: 'oa-trader', password: 'password-of-oa-trader' },
    });
    expect(login.status).toBe(200);
    expect(
      (
        await call('POST', '/auth/refresh', {
          body: { refresh_token: login.body.refresh_token },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('GET', '/auth/me', { token: trader.access_token })).status,
    ).toBe(200);
    expect(
      (await call('POST', '/auth/ws-ticket', { token: trader.access_token }))
        .status,
    ).toBe(200);
    const sessions = await call('GET', '/auth/sessions', {
      token: trader.access_token,
    });
    expect(sessions.status).toBe(200);
    const other = sessions.body.items.find(
      (session: { current: boolean }) => !session.current,
    );
    expect(
      (
        await call('DELETE', '/auth/sessions/{id}', {
          token: trader.access_token,
          params: { id: other.id },
        })
      ).status,
    ).toBe(204);
    await api.login('oa-trader', 'password-of-oa-trader');
    expect(
      (await call('DELETE', '/auth/sessions', { token: trader.access_token }))
        .status,
    ).toBe(204);

    // API keys: two, one used (so its last use shows), revoked by owner and admin.
    const created = await Promise.all(
      ['first', 'second'].map(async (name) => {
        const response = await call('POST', '/auth/api-keys', {
          token: trader.access_token,
          body: { name, permission_tier: 1, password: 'password-of-oa-trader' },
        });
        expect(response.status).toBe(201);
        return response.body as { id: string; key: string };
      }),
    );
    expect(
      (
        await call('GET', '/auth/me', {
          headers: { 'x-api-key': created[0].key },
        })
      ).status,
    ).toBe(200);
    await waitFor(async () => {
      const listed = await call('GET', '/auth/api-keys', {
        token: trader.access_token,
      });
      return listed.body.items.some(
        (key: { last_used_at: number | null }) => key.last_used_at !== null,
      );
    }, 5000);
    expect(
      (
        await call('GET', '/admin/users/{id}/api-keys', {
          token: admin,
          params: { id: trader.id },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('DELETE', '/admin/users/{id}/api-keys/{keyId}', {
          token: admin,
          params: { id: trader.id, keyId: created[1].id },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('DELETE', '/auth/api-keys/{id}', {
          token: trader.access_token,
          params: { id: created[0].id },
        })
      ).status,
    ).toBe(204);

    // A signed key: its request answers as documented, and so does its
    // refusal out of the window (with server_time in the error body).
    const signer = await Ed25519Signer.create();
    const signed = await call('POST', '/auth/api-keys', {
      token: trader.access_token,
      body: {
        name: 'signed',
        permission_tier: 1,
        type: 'ed25519',
        public_key: signer.publicKeyBase64,
        password: 'password-of-oa-trader',
      },
    });
    expect(signed.status).toBe(201);
    expect(
      (
        await call('GET', '/auth/me', {
          headers: await signer.headers(signed.body.id, 'GET', '/auth/me'),
        })
      ).status,
    ).toBe(200);
    const stale = await call('GET', '/auth/me', {
      headers: await signer.headers(signed.body.id, 'GET', '/auth/me', '', {
        timestamp: Date.now() - 60_000,
      }),
    });
    expect([stale.status, stale.body.code]).toEqual([
      401,
      'timestamp_out_of_window',
    ]);
    // Gone again: a later test fills the trader's 50 live keys.
    expect(
      (
        await call('DELETE', '/auth/api-keys/{id}', {
          token: trader.access_token,
          params: { id: signed.body.id },
        })
      ).status,
    ).toBe(204);

    // Administration of a user made for it.
    const user = await call('POST', '/admin/users', {
      token: admin,
      body: {
        username: 'oa-managed',
        password: 'managed-password',
        permission_tier: 1,
      },
    });
    expect(user.status).toBe(201);
    const id = user.body.id as number;
    expect(
      (
        await call('GET', '/admin/users', {
          token: admin,
          query: '?page=1&per_page=5',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('PATCH', '/admin/users/{id}', {
          token: admin,
          params: { id },
          body: { permission_tier: 3 },
        })
      ).status,
    ).toBe(200);
    await api.login('oa-managed', 'managed-password');
    const managed = await call('GET', '/admin/users/{id}/sessions', {
      token: admin,
      params: { id },
    });
    expect(managed.status).toBe(200);
    expect(
      (
        await call('DELETE', '/admin/users/{id}/sessions/{sid}', {
          token: admin,
          params: { id, sid: managed.body.items[0].id },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('DELETE', '/admin/users/{id}/sessions', {
          token: admin,
          params: { id },
        })
      ).status,
    ).toBe(204);
    // The audit trail is written in the background: wait for events to list.
    await waitFor(async () => {
      const audit = await call('GET', '/admin/audit', {
        token: admin,
        query: '?limit=20',
      });
      return audit.status === 200 && audit.body.items.length > 0;
    }, 5000);
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('GET', '/health/live')).status).toBe(200);
    expect((await call('GET', '/health/ready')).status).toBe(200);
    expect((await call('GET', '/time')).status).toBe(200);

    // Discovery and introspection. The suite's app signs HS256 (no JWKS:
    // 404); an ES256 one on the same database serves it.
    expect(
      (await call('GET', '/.well-known/oauth-authorization-server')).status,
    ).toBe(200);
    expect((await call('GET', '/.well-known/jwks.json')).status).toBe(404);
    // A process of its own: passport's strategies are process-wide.
    const es256 = await ServerProcess.start({
      DATABASE_URL: db.url,
      JWT_ALGORITHM: 'ES256',
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    try {
      const jwksAt = async (headers: Record<string, string> = {}) => {
        const response = await fetch(`${es256.url}/.well-known/jwks.json`, {
          headers,
        });
        const text = await response.text();
        const observed = {
          status: response.status,
          text,
          body: text ? JSON.parse(text) : undefined,
          header: (name: string) => response.headers.get(name),
        };
        contract.check('GET', '/.well-known/jwks.json', observed);
        return observed;
      };
      const jwks = await jwksAt();
      expect(jwks.status).toBe(200);
      const etag = jwks.header('etag')!;
      expect((await jwksAt({ 'if-none-match': etag })).status).toBe(304);
    } finally {
      await es256.kill();
    }
    const introspected = await call('POST', '/auth/introspect', {
      token: admin,
      body: { token: trader.access_token },
    });
    expect(introspected.status).toBe(200);
    expect(introspected.body.active).toBe(true);
    expect(
      (
        await call('POST', '/auth/introspect', {
          token: admin,
          body: { token: null },
        })
      ).status,
    ).toBe(400);

    // The second factor: enrolment, a two-step login, step-up, new recovery
    // codes, a password change, the factor off, and an admin's reset.
    const mfaPassword = 'password-of-oa-mfa';
    const mfaUser = await api.createUser('oa-mfa', 2, mfaPassword);
    const started = await call('POST', '/auth/mfa/totp', {
      token: mfaUser.access_token,
      body: { password: mfaPassword },
    });
    expect(started.status).toBe(200);
    const confirmed = await call('POST', '/auth/mfa/totp/confirm', {
      token: mfaUser.access_token,
      body: { code: await new Authenticator(started.body.otpauth_uri).next() },
    });
    expect(confirmed.status).toBe(200);
    const recovery = confirmed.body.recovery_codes as string[];
    expect(
      (await call('GET', '/auth/mfa', { token: mfaUser.access_token })).status,
    ).toBe(200);
    const challenge = await call('POST', '/auth/login', {
      body: { username: 'oa-mfa', password: mfaPassword },
    });
    expect([challenge.status, challenge.body.code]).toEqual([
      401,
      'mfa_required',
    ]);
    const finished = await call('POST', '/auth/login/mfa', {
      body: { mfa_token: challenge.body.mfa_token, code: recovery[0] },
    });
    expect(finished.status).toBe(200);
    const stepped = await call('POST', '/auth/step-up', {
      token: finished.body.access_token,
      body: { code: recovery[1] },
    });
    expect(stepped.status).toBe(200);
    const mfaToken = stepped.body.access_token as string;
    const replaced = await call('POST', '/auth/mfa/recovery-codes', {
      token: mfaToken,
      body: { code: recovery[2] },
    });
    expect(replaced.status).toBe(200);
    expect(
      (
        await call('POST', '/auth/password', {
          token: mfaToken,
          body: {
            current_password: mfaPassword,
            new_password: 'new-password-of-oa-mfa',
          },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('DELETE', '/auth/mfa/totp', {
          token: mfaToken,
          body: {
            password: 'new-password-of-oa-mfa',
            code: replaced.body.recovery_codes[0],
          },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('DELETE', '/admin/users/{id}/mfa', {
          token: admin,
          params: { id: mfaUser.id },
        })
      ).status,
    ).toBe(204);

    const leaving = await api.login('oa-trader', 'password-of-oa-trader');
    expect(
      (await call('POST', '/auth/logout', { token: leaving.access_token }))
        .status,
    ).toBe(204);
    // ... and that token is now revoked.
    const again = await call('POST', '/auth/logout', {
      token: leaving.access_token,
    });
    expect([again.status, again.body.code]).toEqual([401, 'token_revoked']);
  });

  it("every route's guard errors are documented: credentials, keys, tiers", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signHs256({
      ...claimsOf(trader.access_token),
      iat: now - 100,
      exp: now - 10,
    });
    for (const { method, path } of contract.operations()) {
      const access = ACCESS[`${method} ${path}`];
      const params = anyParams();
      if (access.tier !== 'public') {
        for (const [options, code] of [
          [{}, 'unauthorized'],
          [{ token: 'not-a-token' }, 'token_invalid'],
          [{ token: expired }, 'token_expired'],
        ] as const) {
          const response = await call(method, path, { ...options, params });
          expect([method, path, response.status, response.body.code]).toEqual([
            method,
            path,
            401,
            code,
          ]);
        }
      }
      if (access.session) {
        const response = await call(method, path, {
          params,
          headers: { 'x-api-key': 'tak_anything' },
        });
        expect([method, path, response.status, response.body.code]).toEqual([
          method,
          path,
          403,
          'session_required',
        ]);
      } else if (access.tier !== 'public') {
        const bad = await call(method, path, {
          params,
          headers: { 'x-api-key': 'tak_not-a-key' },
        });
        expect([method, path, bad.status, bad.body.code]).toEqual([
          method,
          path,
          401,
          'api_key_invalid',
        ]);
        const both = await call(method, path, {
          params,
          token: trader.access_token,
          headers: { 'x-api-key': 'tak_not-a-key' },
        });
        expect([method, path, both.status, both.body.code]).toEqual([
          method,
          path,
          400,
          'validation_error',
        ]);
      }
      if (access.tier !== 'public' && access.tier > 1) {
        const response = await call(method, path, {
          params,
          token: monitor.access_token,
        });
        expect([method, path, response.status, response.body.code]).toEqual([
          method,
          path,
          403,
          'insufficient_tier',
        ]);
      }
    }
  });

  it("every route's transport errors are documented: bodies and path parameters", async () => {
    for (const { method, path } of contract.operations()) {
      const params = anyParams();
      if (WRITES.has(method)) {
        const headers = { 'content-type': 'application/json' };
        const large = await call(method, path, {
          params,
          headers,
          raw: JSON.stringify({ padding: 'x'.repeat(20_000) }),
        });
        expect([method, path, large.status]).toEqual([method, path, 413]);
        const malformed = await call(method, path, {
          params,
          headers,
          raw: '{"unterminated":',
        });
        expect([method, path, malformed.status]).toEqual([method, path, 400]);
        const text = await call(method, path, {
          params,
          headers: { 'content-type': 'text/plain' },
          raw: 'hello',
        });
        expect([method, path, text.status]).toEqual([method, path, 400]);
      }
      for (const name of path.match(/(?<=\{)\w+(?=\})/g) ?? []) {
        const response = await call(method, path, {
          token: admin,
          params: { ...params, [name]: 'x'.repeat(101) },
        });
        expect([method, path, response.status]).toEqual([method, path, 414]);
      }
    }
  });

  it("each route's own errors are documented", async () => {
    const expect4xx = async (
      method: string,
      path: string,
      status: number,
      code: string,
      options: Parameters<typeof call>[2],
    ) => {
      const response = await call(method, path, options);
      expect([method, path, response.status, response.body.code]).toEqual([
        method,
        path,
        status,
        code,
      ]);
    };
    const token = trader.access_token;

    await expect4xx('POST', '/auth/login', 400, 'validation_error', {
      body: { username: 'oa-trader' },
    });
    await expect4xx('POST', '/auth/login', 401, 'invalid_credentials', {
      body: { username: 'oa-trader', password: 'wrong-password' },
    });
    await api.createUser('oa-disabled', 1, 'disabled-password');
    const disabled = (
      await api.get('/admin/users?per_page=100', admin)
    ).body.items.find(
      (user: { username: string }) => user.username === 'oa-disabled',
    );
    const session = await api.login('oa-disabled', 'disabled-password');
    await call('PATCH', '/admin/users/{id}', {
      token: admin,
      params: { id: disabled.id },
      body: { disabled: true },
    });
    await expect4xx('POST', '/auth/login', 403, 'account_disabled', {
      body: { username: 'oa-disabled', password: 'disabled-password' },
    });
    await expect4xx('POST', '/auth/refresh', 401, 'refresh_token_invalid', {
      body: { refresh_token: session.refresh_token },
    });
    await expect4xx('GET', '/auth/me', 401, 'token_revoked', {
      token: session.access_token,
    });
    await expect4xx('POST', '/auth/refresh', 400, 'validation_error', {
      body: { refresh_token: 42 },
    });
    await expect4xx('DELETE', '/auth/sessions/{id}', 400, 'validation_error', {
      token,
      params: { id: 'no-such-session' },
    });
    await expect4xx('DELETE', '/auth/sessions/{id}', 404, 'not_found', {
      token,
      params: { id: UNKNOWN_SESSION_ID },
    });

    // API keys: bad fields, wrong password, above one's tier, an allowlist, too many.
    await expect4xx('POST', '/auth/api-keys', 400, 'validation_error', {
      token,
      body: {
        name: 'k',
        permission_tier: 2,
        password: 'x',
        ip_allowlist: ['nope'],
      },
    });
    await expect4xx('POST', '/auth/api-keys', 401, 'invalid_credentials', {
      token,
      body: { name: 'k', permission_tier: 1, password: 'wrong-password' },
    });
    await expect4xx('POST', '/auth/api-keys', 403, 'insufficient_tier', {
      token,
      body: {
        name: 'k',
        permission_tier: 3,
        ip_allowlist: ['127.0.0.1'],
        password: 'password-of-oa-trader',
      },
    });
    const pinned = await call('POST', '/auth/api-keys', {
      token,
      body: {
        name: 'pinned',
        permission_tier: 1,
        ip_allowlist: ['203.0.113.7'],
        expires_in_days: 1,
        password: 'password-of-oa-trader',
      },
    });
    expect(pinned.status).toBe(201);
    await expect4xx('GET', '/auth/me', 403, 'ip_not_allowed', {
      headers: { 'x-api-key': pinned.body.key },
    });
    await expect4xx('DELETE', '/auth/api-keys/{id}', 400, 'validation_error', {
      token,
      params: { id: 'not-a-key-id' },
    });
    await expect4xx('DELETE', '/auth/api-keys/{id}', 404, 'not_found', {
      token,
      params: { id: UNKNOWN_KEY_ID },
    });
    for (let made = 1; made < 50; made++) {
      const response = await api.request('POST', '/auth/api-keys', {
        token,
        body: {
          name: `bulk-${made}`,
          permission_tier: 1,
          password: 'password-of-oa-trader',
        },
      });
      expect(response.status).toBe(201);
    }
    await expect4xx('POST', '/auth/api-keys', 422, 'unprocessable', {
      token,
      body: {
        name: 'one-too-many',
        permission_tier: 1,
        password: 'password-of-oa-trader',
      },
    });

    // Administration.
    await expect4xx(
      'GET',
      '/admin/users/{id}/api-keys',
      400,
      'validation_error',
      {
        token: admin,
        params: { id: 'abc' },
      },
    );
    await expect4xx('GET', '/admin/users/{id}/api-keys', 404, 'not_found', {
      token: admin,
      params: { id: 999_999 },
    });
    await expect4xx(
      'DELETE',
      '/admin/users/{id}/api-keys/{keyId}',
      404,
      'not_found',
      {
        token: admin,
        params: { id: trader.id, keyId: UNKNOWN_KEY_ID },
      },
    );
    await expect4xx('POST', '/admin/users', 409, 'conflict', {
      token: admin,
      body: {
        username: 'oa-trader',
        password: 'another-password',
        permission_tier: 1,
      },
    });
    await expect4xx('POST', '/admin/users', 400, 'validation_error', {
      token: admin,
      body: {
        username: 'no spaces allowed',
        password: 'another-password',
        permission_tier: 1,
      },
    });
    await expect4xx('GET', '/admin/users', 400, 'validation_error', {
      token: admin,
      query: '?per_page=0',
    });
    await expect4xx('PATCH', '/admin/users/{id}', 400, 'validation_error', {
      token: admin,
      params: { id: trader.id },
      body: {},
    });
    await expect4xx('PATCH', '/admin/users/{id}', 404, 'not_found', {
      token: admin,
      params: { id: 999_999 },
      body: { disabled: false },
    });
    const root = (await api.get('/auth/me', admin)).body.id as number;
    await expect4xx('PATCH', '/admin/users/{id}', 409, 'conflict', {
      token: admin,
      params: { id: root },
      body: { permission_tier: 1 },
    });
    await expect4xx('DELETE', '/admin/users/{id}/sessions', 404, 'not_found', {
      token: admin,
      params: { id: 999_999 },
    });
    await expect4xx('GET', '/admin/users/{id}/sessions', 404, 'not_found', {
      token: admin,
      params: { id: 999_999 },
    });
    await expect4xx(
      'DELETE',
      '/admin/users/{id}/sessions/{sid}',
      404,
      'not_found',
      {
        token: admin,
        params: { id: trader.id, sid: UNKNOWN_SESSION_ID },
      },
    );
    await expect4xx('GET', '/admin/audit', 400, 'validation_error', {
      token: admin,
      query: '?type=no_such_type',
    });

    // The second factor's own errors.
    await expect4xx('POST', '/auth/login/mfa', 401, 'mfa_token_invalid', {
      body: { mfa_token: 'not-a-token', code: '123456' },
    });
    await expect4xx('POST', '/auth/step-up', 403, 'mfa_enrollment_required', {
      token,
      body: { code: '123456' },
    });
    await expect4xx('POST', '/auth/mfa/totp/confirm', 404, 'not_found', {
      token,
      body: { code: '123456' },
    });
    await expect4xx('POST', '/auth/mfa/recovery-codes', 404, 'not_found', {
      token,
      body: { code: '123456' },
    });
    await expect4xx('POST', '/auth/password', 401, 'invalid_credentials', {
      token,
      body: { current_password: 'wrong-password', new_password: 'x'.repeat(8) },
    });
    await expect4xx('DELETE', '/admin/users/{id}/mfa', 404, 'not_found', {
      token: admin,
      params: { id: 999_999 },
    });
  });

  it('documents 429 (with its headers) on every write, and 503 on a full hashing queue or without a database', async () => {
    // A second instance on the same database, with budgets small enough to
    // use up; on MySQL through a proxy, to take the database away later.
    const target = new URL(db.url);
    const proxy = target.protocol.startsWith('mysql')
      ? await TcpProxy.start(target.hostname, Number(target.port || 3306))
      : undefined;
    if (proxy) target.port = String(proxy.port);
    const limited = await TestApp.start(
      { url: target.toString(), drop: async () => undefined },
      {
        RATE_LIMIT_IP_MAX: '2',
        PASSWORD_HASH_CONCURRENCY: '1',
        PASSWORD_HASH_QUEUE: '0',
      },
    );
    try {
      // Logins from separate client addresses, each in its own budget, all at
      // once: one hashes, the others find no slot and no queue.
      const logins = await Promise.all(
        [11, 12, 13, 14, 15, 16].map((host) =>
          requestFrom(`127.0.0.${host}`, `${limited.url}/auth/login`, {
            body: { username: ADMIN.username, password: ADMIN.password },
          }),
        ),
      );
      for (const response of logins)
        contract.check('POST', '/auth/login', {
          ...response,
          header: (name) => response.headers[name.toLowerCase()],
        });
      expect(logins.map((response) => response.status)).toContain(503);

      // From 127.0.0.1: two writes use up the address budget, then every write is 429.
      for (let i = 0; i < 2; i++)
        await call('POST', '/auth/ws-ticket', {
          app: limited,
          token: trader.access_token,
        });
      for (const { method, path } of contract.operations()) {
        if (!WRITES.has(method)) continue;
        const access = ACCESS[`${method} ${path}`];
        const response = await call(method, path, {
          app: limited,
          params: anyParams(),
          token:
            access.tier === 'public'
              ? undefined
              : access.tier === 4
                ? admin
                : trader.access_token,
          body: {},
        });
        expect([method, path, response.status, response.body.code]).toEqual([
          method,
          path,
          429,
          'rate_limited',
        ]);
      }

      // Reads too, with the RateLimit fields, once an address has sent too
      // many failed API keys (RATE_LIMIT_API_KEY_FAILURES_MAX, 30).
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++)
        statuses.push(
          (
            await call('GET', '/auth/me', {
              app: limited,
              headers: { 'x-api-key': 'tak_not-a-key' },
            })
          ).status,
        );
      expect(statuses).toEqual([...Array<number>(30).fill(401), 429]);

      // The database goes away under the instance: reads that need it get 503.
      if (proxy) proxy.cut();
      else await limited.app.get(DataSource).destroy();
      for (const [path, token] of [
        ['/health', undefined],
        ['/health/ready', undefined],
        ['/auth/sessions', trader.access_token],
        ['/auth/api-keys', trader.access_token],
        ['/admin/users', admin],
        ['/admin/audit', admin],
      ] as const) {
        const response = await call('GET', path, { app: limited, token });
        expect([path, response.status, response.body.code]).toEqual([
          path,
          503,
          'service_unavailable',
        ]);
      }
    } finally {
      await limited.close();
      await proxy?.close();
    }
  });

  it('drove every documented route to success and to errors', () => {
    for (const { method, path } of contract.operations()) {
      const seen = [...(contract.seen.get(`${method} ${path}`) ?? [])];
      expect([method, path, seen.some((status) => status < 300)]).toEqual([
        method,
        path,
        true,
      ]);
      expect([method, path, seen.some((status) => status >= 400)]).toEqual([
        method,
        path,
        !CANNOT_FAIL.has(`${method} ${path}`),
      ]);
    }
  });

  it('serves neither the document nor Swagger UI with OPENAPI=off', async () => {
    const off = await TestApp.start(db, { OPENAPI: 'off' });
    try {
      for (const path of [
        '/openapi.json',
        '/docs',
        '/docs/',
        '/docs/swagger-ui-init.js',
        '/docs/swagger-ui.css',
      ]) {
        const response = await off.get(path);
        expect([path, response.status, response.body]).toEqual([
          path,
          404,
          { error: 'Resource not found', code: 'not_found' },
        ]);
      }
      expect((await off.get('/health')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
