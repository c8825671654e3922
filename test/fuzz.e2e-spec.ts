import fc from 'fast-check';
import WebSocket from 'ws';
import { ErrorCode } from '../src/common/error-codes';
import { DRIVERS, TestDatabase } from './support/databases';
import { errorShapeProblem, rawHttp } from './support/raw-http';
import { TestApp } from './support/test-app';

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

// ---- values a hostile client might send ----

const deepArrays = fc
  .integer({ min: 1, max: 5000 })
  .map((levels) => '['.repeat(levels) + ']'.repeat(levels));

const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 5000 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e300, 2 ** 53, -0, 1.5, true, false, null, ''),
);

const jsonValue = fc.oneof(
  scalar,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(scalar, { maxLength: 4 }),
);

const FIELDS = [
  'username',
  'password',
  'permission_tier',
  'disabled',
  'refresh_token',
  'token',
  '__proto__',
  'constructor',
];

const bodyObject = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })),
  jsonValue,
  { maxKeys: 5 },
);

/** Bodies close to valid ones, so the checks past validation run too. */
const plausibleBody = fc.record(
  {
    username: fc.oneof(
      fc.constantFrom('root-admin', 'fuzz-victim', 'fuzz-monitor'),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,70}$/),
    ),
    password: fc.oneof(
      fc.string({ minLength: 8, maxLength: 30 }),
      fc.constant('admin-password-1'),
    ),
    permission_tier: fc.oneof(fc.integer({ min: -1, max: 6 }), scalar),
    disabled: fc.oneof(fc.boolean(), scalar),
    refresh_token: fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/),
    ),
  },
  { requiredKeys: [] },
);

const rawBody = fc.oneof(
  bodyObject.map((value) => JSON.stringify(value)),
  plausibleBody.map((value) => JSON.stringify(value)),
  jsonValue.map((value) => JSON.stringify(value)),
  deepArrays,
  deepArrays.map((arrays) => `{"username":${arrays},"password":"x"}`),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  undefined,
);

const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('page', 'per_page', 'token', 'password', 'username'),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.constantFrom('1e300', '-0', '0x10', '1.5', ' 2', 'NaN', 'Infinity'),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`,
  );

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

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
    admin = await api.adminToken();
    monitor = await api.createUser('fuzz-monitor', 1);
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
