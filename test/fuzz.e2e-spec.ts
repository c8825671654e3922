import fc from 'fast-check';
import WebSocket from 'ws';
import { ErrorCode } from '../src/common/error-codes';
import { DRIVERS, TestDatabase } from './support/databases';
import {
  deepArrays,
  jsonValue,
  rawBody,
  contentType,
  query,
} from './support/hostile-input';
import { errorShapeProblem, rawHttp } from './support/raw-http';
import { ADMIN, LoginBody, TestApp } from './support/test-app';

/**
 * Property-based tests over every REST route and every WebSocket message:
 * whatever a client sends, the answer is never a 5xx, and every error is
 * exactly `{error, code}` with one of the project's codes. Each property
 * stops after RUN_MS even if it has not done all its runs, so the suite's
 * time stays bounded on a busy machine; a failure is still a failure.
 */
const RUN_MS = 4000;
const OPTIONS = {
  numRuns: 300,
  interruptAfterTimeLimit: RUN_MS,
  markInterruptAsFailure: false,
};

function expectNoServerErrorAndShape(
  status: number,
  text: string,
  what: string,
): void {
  if (status >= 500) throw new Error(`${what} -> ${status} ${text}`);
  if (status >= 400) {
    const problem = errorShapeProblem(text);
    if (problem !== undefined)
      throw new Error(`${what} -> ${status}: ${problem}`);
  }
}

describe.each(DRIVERS)('fuzzing on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let admin: string;
  let monitor: { access_token: string; refresh_token: string; id: number };
  let victim: { access_token: string; refresh_token: string; id: number };
  const TARGET_PASSWORD = 'target-password-1';
  let target: LoginBody & { id: number };
  let operator: string;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
    admin = await api.adminToken();
    monitor = await api.createUser('fuzz-monitor', 1);
    // Below the victim's id, so the first property's PATCH and DELETE never aim at it.
    target = await api.createUser('fuzz-target', 2, TARGET_PASSWORD);
    operator = (await api.createUser('fuzz-operator', 4)).access_token;
    // The only user PATCH and DELETE may aim at by a known id (it may be
    // disabled, demoted, or lose its password); ids of users created by the
    // fuzzer itself are above it. The admin and the monitor keep their tokens.
    victim = await api.createUser('fuzz-victim', 2);
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const ROUTES: Array<{ method: string; path: string; body: boolean }> = [
    { method: 'POST', path: '/auth/login', body: true },
    { method: 'POST', path: '/auth/refresh', body: true },
    { method: 'POST', path: '/auth/logout', body: true },
    { method: 'GET', path: '/auth/me', body: false },
    { method: 'GET', path: '/health', body: false },
    { method: 'POST', path: '/admin/users', body: true },
    { method: 'GET', path: '/admin/users', body: false },
    { method: 'PATCH', path: '/admin/users/:id', body: true },
    { method: 'DELETE', path: '/admin/users/:id/sessions', body: true },
    { method: 'POST', path: '/auth/login/mfa', body: true },
    { method: 'POST', path: '/auth/step-up', body: true },
    { method: 'GET', path: '/auth/mfa', body: false },
    { method: 'POST', path: '/auth/mfa/totp', body: true },
    { method: 'POST', path: '/auth/mfa/totp/confirm', body: true },
    { method: 'POST', path: '/auth/mfa/recovery-codes', body: true },
    { method: 'DELETE', path: '/auth/mfa/totp', body: true },
    { method: 'DELETE', path: '/admin/users/:id/mfa', body: true },
  ];

  it('every REST route: no 5xx, and every error is exactly {error, code}', async () => {
    const id = fc.oneof(
      fc.constant(String(victim.id)),
      fc.integer({ min: victim.id + 1 }).map(String),
      fc.integer({ max: 0 }).map(String),
      fc.stringMatching(/^\d{16,30}$/),
      fc.string({ maxLength: 120 }).filter((text) => !/\d/.test(text)),
    );
    const token = fc.oneof(
      fc.constant(undefined),
      fc.constant('admin'),
      fc.constant('monitor'),
      fc.constant('victim'),
      fc.string({ maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        id,
        query,
        token,
        rawBody,
        contentType,
        async (route, userId, search, who, body, type) => {
          // Logging out would end the sessions the other runs need; only the victim may.
          const bearer =
            who === 'admin'
              ? route.path === '/auth/logout'
                ? victim.access_token
                : admin
              : who === 'monitor'
                ? route.path === '/auth/logout'
                  ? undefined
                  : monitor.access_token
                : who === 'victim'
                  ? victim.access_token
                  : who;
          const path =
            route.path.replace(':id', encodeURIComponent(userId)) + search;
          const headers: Record<string, string> = {};
          if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
          if (route.body && type !== undefined) headers['content-type'] = type;
          const response = await fetch(api.url + path, {
            method: route.method,
            headers,
            body: route.body ? body : undefined,
          });
          const text = await response.text();
          expectNoServerErrorAndShape(
            response.status,
            text,
            `${route.method} ${path} ${body.slice(0, 100)}`,
          );
        },
      ),
      OPTIONS,
    );
  });

  /** Values no field of any DTO takes (an empty allowlist aside, see below). */
  const notAFieldValue = fc.constantFrom<unknown>(
    null,
    [],
    {},
    [null],
    [[]],
    [{}],
    { '': null },
    ['a', null],
  );

  it('null, [] or {} (or an array or object holding one) in any field of any body: 400 validation_error, and nothing changes', async () => {
    // Every body DTO's fields, with valid values; the WebSocket auth frame is in bad-input.
    const templates: Array<{
      method: string;
      path: () => string;
      token: () => string | undefined;
      body: () => Record<string, unknown>;
    }> = [
      {
        method: 'POST',
        path: () => '/auth/login',
        token: () => undefined,
        body: () => ({
          username: 'fuzz-target',
          password: TARGET_PASSWORD,
          device_token: 'x',
        }),
      },
      {
        method: 'POST',
        path: () => '/auth/refresh',
        token: () => undefined,
        body: () => ({ refresh_token: target.refresh_token }),
      },
      {
        method: 'POST',
        path: () => '/admin/users',
        token: () => operator,
        body: () => ({
          username: 'fuzz-created',
          password: 'created-password-1',
          permission_tier: 2,
        }),
      },
      {
        method: 'PATCH',
        path: () => `/admin/users/${target.id}`,
        token: () => operator,
        body: () => ({
          permission_tier: 1,
          disabled: true,
          password: 'changed-password-1',
        }),
      },
      {
        method: 'POST',
        path: () => '/auth/api-keys',
        token: () => target.access_token,
        body: () => ({
          name: 'fuzz-key',
          permission_tier: 2,
          ip_allowlist: ['127.0.0.1'],
          expires_in_days: 30,
          password: TARGET_PASSWORD,
        }),
      },
    ];
    const request = fc
      .constantFrom(...templates)
      .chain((template) =>
        fc.tuple(
          fc.constant(template),
          fc.dictionary(
            fc.constantFrom(...Object.keys(template.body())),
            notAFieldValue,
            { minKeys: 1 },
          ),
          fc.boolean(),
        ),
      )
      // An empty allowlist is a real value: the key works from any address.
      .filter(
        ([, bad]) =>
          !Array.isArray(bad.ip_allowlist) || bad.ip_allowlist.length > 0,
      );
    await fc.assert(
      fc.asyncProperty(request, async ([template, bad, withValidFields]) => {
        const body = withValidFields ? { ...template.body(), ...bad } : bad;
        const response = await fetch(api.url + template.path(), {
          method: template.method,
          headers: {
            'content-type': 'application/json',
            ...(template.token() === undefined
              ? {}
              : { authorization: `Bearer ${template.token()}` }),
          },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        const what = `${template.method} ${template.path()} ${JSON.stringify(body)} -> ${response.status} ${text}`;
        if (response.status !== 400 || errorShapeProblem(text) !== undefined)
          throw new Error(what);
        if ((JSON.parse(text) as { code: string }).code !== 'validation_error')
          throw new Error(what);
      }),
      OPTIONS,
    );

    // The old password, the old tier, the session, no key, no new user.
    const login = await api.post('/auth/login', {
      username: 'fuzz-target',
      password: TARGET_PASSWORD,
    });
    expect({ status: login.status, tier: login.body.permission_tier }).toEqual({
      status: 200,
      tier: 2,
    });
    expect((await api.get('/auth/me', target.access_token)).status).toBe(200);
    expect((await api.get('/auth/api-keys', target.access_token)).body).toEqual(
      { items: [] },
    );
    const users = await api.get('/admin/users?per_page=100', operator);
    expect(users.body.items.map((user: any) => user.username)).not.toContain(
      'fuzz-created',
    );
  });

  it('a path id that is not the canonical decimal of one: 400 validation_error on every route, and user 1 keeps its session and key', async () => {
    const root = await api.login(ADMIN.username, ADMIN.password);
    const rootSid = root.refresh_token.split('.')[0];
    const key = await api.post(
      '/auth/api-keys',
      {
        name: 'fuzz-root-bot',
        permission_tier: 4,
        ip_allowlist: ['127.0.0.1'],
        password: ADMIN.password,
      },
      root.access_token,
    );
    expect(key.status).toBe(201);
    const rootKeyId = key.body.id as string;

    // Around 1: what Number(), parseInt() or a lenient regex would read as 1.
    const before = fc.constantFrom(
      '',
      '0',
      '00',
      '+',
      '-',
      '%20',
      '%09',
      '%0A',
      '%0B',
      '%0C',
      '%0D',
      '%C2%A0',
      '%E2%80%89',
      '%EF%BB%BF',
      '%2B',
    );
    const one = fc.constantFrom(
      '1',
      '1.0',
      '1.',
      '1e0',
      '1E0',
      '10e-1',
      '0x1',
      '0b1',
      '0o1',
    );
    const after = fc.constantFrom(
      '',
      '.0',
      '.',
      '%20',
      '%09',
      '%00',
      '%0A',
      'n',
      '_',
      '%2F',
    );
    const notAnId = fc.oneof(
      fc
        .tuple(before, one, after)
        .map((parts) => parts.join(''))
        .filter((text) => text !== '1'),
      fc.constantFrom(
        '%201',
        '1%20',
        '01',
        '+1',
        '1e0',
        '%091',
        '0',
        '-1',
        '1.0',
        '99999999999999999',
        '0x1',
        'Infinity',
        'NaN',
        '%D9%A1',
      ),
      fc.bigInt({ min: 2n ** 31n, max: 10n ** 30n }).map(String),
      fc.integer({ max: 0 }).map(String),
    );
    const routes: Array<[string, string, unknown]> = [
      ['PATCH', '/admin/users/{id}', { password: 'hijacked-password-1' }],
      ['DELETE', '/admin/users/{id}/sessions', undefined],
      ['GET', '/admin/users/{id}/sessions', undefined],
      ['DELETE', `/admin/users/{id}/sessions/${rootSid}`, undefined],
      ['GET', '/admin/users/{id}/api-keys', undefined],
      ['DELETE', `/admin/users/{id}/api-keys/${rootKeyId}`, undefined],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        notAnId,
        async ([method, template, body], id) => {
          const path = template.replace('{id}', id);
          const response = await fetch(api.url + path, {
            method,
            headers: {
              authorization: `Bearer ${operator}`,
              ...(body === undefined
                ? {}
                : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await response.text();
          if (
            response.status !== 400 ||
            errorShapeProblem(text) !== undefined ||
            (JSON.parse(text) as { code: string }).code !== 'validation_error'
          )
            throw new Error(`${method} ${path} -> ${response.status} ${text}`);
        },
      ),
      OPTIONS,
    );

    // The same ids, with something around them or not of their form (never
    // empty: `/auth/sessions/` is the route that ends every other session).
    const noise = fc.constantFrom(
      '%20',
      '%09',
      '%00',
      '%0A',
      '%C2%A0',
      '.',
      '=',
      '!',
      'A',
    );
    const around = (id: string) =>
      fc.oneof(
        fc.tuple(noise, fc.constant(id)).map(([a, b]) => a + b),
        fc.tuple(fc.constant(id), noise).map(([a, b]) => a + b),
        fc.integer({ min: 1, max: 21 }).map((n) => id.slice(0, n)),
        fc.stringMatching(/^[A-Za-z0-9_-]{23,40}$/),
      );
    const stringIdRoutes: Array<[string, () => string, (x: string) => string]> =
      [
        [root.access_token, () => rootSid, (x) => `/auth/sessions/${x}`],
        [operator, () => rootSid, (x) => `/admin/users/1/sessions/${x}`],
        [root.access_token, () => rootKeyId, (x) => `/auth/api-keys/${x}`],
        [operator, () => rootKeyId, (x) => `/admin/users/1/api-keys/${x}`],
      ];
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...stringIdRoutes)
          .chain(([token, id, path]) =>
            fc.tuple(fc.constant(token), around(id()).map(path)),
          ),
        async ([token, path]) => {
          const response = await fetch(api.url + path, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          });
          const text = await response.text();
          if (
            response.status !== 400 ||
            errorShapeProblem(text) !== undefined ||
            (JSON.parse(text) as { code: string }).code !== 'validation_error'
          )
            throw new Error(`DELETE ${path} -> ${response.status} ${text}`);
        },
      ),
      OPTIONS,
    );

    expect((await api.get('/auth/me', root.access_token)).status).toBe(200);
    expect((await api.post('/auth/login', ADMIN)).status).toBe(200);
    const sessions = await api.get('/admin/users/1/sessions', operator);
    expect(sessions.body.items.map((s: any) => s.id)).toContain(rootSid);
    const keys = await api.get('/admin/users/1/api-keys', operator);
    expect(keys.body.items.map((k: any) => k.id)).toContain(rootKeyId);
  });

  it('any method and raw path, before or after routing: no 5xx, and every error is exactly {error, code}', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'auth',
        'admin',
        'users',
        'login',
        'refresh',
        'me',
        'health',
        'sessions',
        'ws',
        '2',
        '..',
        '.',
        '',
      ),
      fc.stringMatching(/^(%[0-9a-fA-F]{0,2}|[a-z0-9?#;&=+])*$/),
      fc.string({ unit: 'binary', maxLength: 130 }),
    );
    const path = fc
      .array(segment, { minLength: 1, maxLength: 5 })
      .map((segments) => '/' + segments.join('/'))
      // A request line has no spaces, controls or non-ASCII; send those percent-encoded.
      .map((text) =>
        [...text]
          .map((char) =>
            /[\x21-\x7e]/.test(char) ? char : encodeURIComponent(char),
          )
          .join(''),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'GET',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'HEAD',
          'OPTIONS',
          'PROPFIND',
          'TRACE',
        ),
        path,
        fc.constantFrom(undefined, 'monitor', 'garbage'),
        async (method, target, who) => {
          const auth =
            who === 'monitor'
              ? `Authorization: Bearer ${monitor.access_token}\r\n`
              : who === 'garbage'
                ? 'Authorization: Bearer x.y.z\r\n'
                : '';
          const response = await rawHttp(
            api.url,
            `${method} ${target} HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`,
          );
          if (response.status === 0)
            throw new Error(`${method} ${target}: no HTTP answer`);
          if (method === 'HEAD') {
            expect(response.status).toBeLessThan(500);
            return;
          }
          expectNoServerErrorAndShape(
            response.status,
            response.body,
            `${method} ${target}`,
          );
        },
      ),
      OPTIONS,
    );
  });

  it('every WebSocket message: never internal_error, every error event is exactly {error, code}', async () => {
    const problems: string[] = [];
    let socket: WebSocket;
    let whoamiSent = 0;
    let whoamiReceived = 0;
    let notify: (() => void) | undefined;

    const open = async () => {
      socket = new WebSocket(`${api.wsUrl}/ws?token=${admin}`);
      whoamiSent = 0;
      whoamiReceived = 0;
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        let message: { event?: unknown; data?: unknown };
        try {
          message = JSON.parse(text) as typeof message;
        } catch {
          problems.push(`not JSON: ${text}`);
          return;
        }
        if (message.event === 'whoami') whoamiReceived++;
        if (message.event === 'error') {
          const problem = errorShapeProblem(JSON.stringify(message.data));
          if (problem !== undefined) problems.push(problem);
          if (
            (message.data as { code?: unknown })?.code ===
            ErrorCode.InternalError
          )
            problems.push(`internal_error: ${text}`);
        }
        notify?.();
      });
      socket.on('close', (code, reason) => {
        // 4002 after an auth frame with a bad or foreign token is the documented answer.
        if (code !== 4002) problems.push(`closed ${code} ${reason.toString()}`);
        notify?.();
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
    };

    /** Sends a whoami after the frame and waits for its answer (or the close). */
    const settle = async () => {
      socket.send('{"event":"whoami"}');
      whoamiSent++;
      while (
        whoamiReceived < whoamiSent &&
        socket.readyState === WebSocket.OPEN
      ) {
        await new Promise<void>((resolve) => (notify = resolve));
      }
      notify = undefined;
    };

    const event = fc.oneof(
      fc.constantFrom('whoami', 'auth', 'connections', 'error', ''),
      fc.string({ maxLength: 100 }),
    );
    const frame = fc.oneof(
      fc
        .record({ event, data: jsonValue }, { requiredKeys: [] })
        .map((value) => JSON.stringify(value)),
      fc
        .record({
          event: fc.constant('auth'),
          data: fc.oneof(
            fc.record(
              {
                token: fc.oneof(fc.constantFrom('admin', 'monitor'), jsonValue),
              },
              { requiredKeys: [] },
            ),
            jsonValue,
          ),
        })
        .map((value) =>
          JSON.stringify(value, (key, field: unknown) =>
            key === 'token' && field === 'admin'
              ? admin
              : key === 'token' && field === 'monitor'
                ? monitor.access_token
                : field,
          ),
        ),
      deepArrays.map((arrays) => `{"event":"auth","data":{"token":${arrays}}}`),
      deepArrays.map((arrays) => `{"event":"auth","data":${arrays}}`),
      jsonValue.map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );

    await open();
    try {
      await fc.assert(
        fc.asyncProperty(frame, async (text) => {
          // Each run is judged on its own frames (the shrinker replays runs).
          problems.length = 0;
          if (socket.readyState !== WebSocket.OPEN) await open();
          if (/^\{"event":"whoami"/.test(text)) whoamiSent++;
          socket.send(text);
          await settle();
          if (problems.length > 0)
            throw new Error(`${text.slice(0, 200)}: ${problems.join('; ')}`);
        }),
        OPTIONS,
      );
    } finally {
      socket!.removeAllListeners('close');
      socket!.close();
    }
  });

  it('every WebSocket handshake query: accepted, or refused with exactly {error, code} and no 5xx', async () => {
    const value = fc.oneof(
      fc.constantFrom('admin', 'monitor'),
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.stringMatching(
        /^[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}$/,
      ),
    );
    const name = fc.oneof(
      fc.constantFrom('token', '%74oken', 'TOKEN', 'ticket', 'access_token'),
      fc.string({ maxLength: 8 }),
    );
    const search = fc
      .array(fc.tuple(name, value, fc.boolean()), { maxLength: 3 })
      .map((pairs) =>
        pairs
          .map(([key, text, encode]) => {
            const token =
              text === 'admin'
                ? admin
                : text === 'monitor'
                  ? monitor.access_token
                  : text;
            // Names are sent as they are (already encoded or not); values encoded or raw-ish.
            const shownKey = [...key]
              .map((char) =>
                /[A-Za-z0-9%_.~-]/.test(char) ? char : encodeURIComponent(char),
              )
              .join('');
            const shownValue = encode
              ? encodeURIComponent(token)
              : [...token]
                  .map((char) =>
                    /[\x21-\x7e]/.test(char) && char !== '#' && char !== '&'
                      ? char
                      : encodeURIComponent(char),
                  )
                  .join('');
            return `${shownKey}=${shownValue}`;
          })
          .join('&'),
      );
    await fc.assert(
      fc.asyncProperty(search, async (query) => {
        const outcome = await new Promise<{ status: number; body: string }>(
          (resolve) => {
            const socket = new WebSocket(`${api.wsUrl}/ws?${query}`);
            socket.once('open', () => {
              socket.close();
              resolve({ status: 101, body: '' });
            });
            socket.once('unexpected-response', (_request, response) => {
              let body = '';
              response.on(
                'data',
                (chunk: Buffer) => (body += chunk.toString()),
              );
              response.on('end', () =>
                resolve({ status: response.statusCode ?? 0, body }),
              );
            });
            socket.once('error', (error) =>
              resolve({ status: 0, body: String(error) }),
            );
          },
        );
        if (outcome.status === 101) return;
        expectNoServerErrorAndShape(
          outcome.status || 599,
          outcome.body,
          `/ws?${query}`,
        );
      }),
      OPTIONS,
    );
  });
});
