import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { errorShapeProblem, rawHttp } from './support/raw-http';
import { ADMIN, LoginBody, TestApp } from './support/test-app';
import { WsClient } from './support/ws-client';

/** 3,000 nested arrays: 6 KB that once overflowed the validator's stack (500). */
const NESTED = '['.repeat(3000) + ']'.repeat(3000);

const ID_MESSAGE =
  'id must be a whole number from 1 to 2147483647, written in decimal without sign, spaces or leading zeros';

describe.each(DRIVERS)('bad input on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let admin: string;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
    admin = await api.adminToken();
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  function expectError(
    response: { status: number; text: string },
    status: number,
    code: string,
  ): void {
    expect(errorShapeProblem(response.text)).toBeUndefined();
    expect({
      status: response.status,
      code: JSON.parse(response.text).code,
    }).toEqual({
      status,
      code,
    });
  }

  it.each([
    ['/auth/login', `{"username":${NESTED},"password":"long-password"}`],
    ['/auth/login', `{"username":"root-admin","password":${NESTED}}`],
    ['/auth/refresh', `{"refresh_token":${NESTED}}`],
    ['/auth/refresh', NESTED],
  ])('%s refuses 3,000 nested arrays with 400', async (path, raw) => {
    const response = await api.request('POST', path, {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(response, 400, 'validation_error');
  });

  it('a WebSocket auth frame of 3,000 nested arrays gets a validation_error event and the socket stays open', async () => {
    const socket = new WebSocket(`${api.wsUrl}/ws?token=${admin}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const received: unknown[] = [];
    const next = () =>
      new Promise<any>((resolve) =>
        socket.once('message', (data: Buffer) =>
          resolve(JSON.parse(data.toString('utf8'))),
        ),
      );
    try {
      for (const frame of [
        `{"event":"auth","data":{"token":${NESTED}}}`,
        `{"event":"auth","data":${NESTED}}`,
      ]) {
        const reply = next();
        socket.send(frame);
        received.push(await reply);
      }
      const whoami = next();
      socket.send('{"event":"whoami"}');
      expect((await whoami).event).toBe('whoami');
    } finally {
      socket.close();
    }
    for (const message of received) {
      expect(message).toEqual({
        event: 'error',
        data: { error: expect.any(String), code: 'validation_error' },
      });
    }
  });

  it.each([
    ['page=1e300', 'page'],
    ['page=1000001', 'page'],
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=abc', 'page'],
    ['per_page=101', 'per_page'],
    ['per_page=1e300', 'per_page'],
    ['per_page=0', 'per_page'],
    // Number() reads each of these as an integer; a client that sends them has a bug.
    ['page=%201', 'page'],
    ['page=1e0', 'page'],
    ['page=01', 'page'],
    ['page=', 'page'],
    ['per_page=0x10', 'per_page'],
    ['per_page=10.0', 'per_page'],
  ])('GET /admin/users?%s is 400 naming %s', async (query, field) => {
    const response = await api.get(`/admin/users?${query}`, admin);
    expectError(response, 400, 'validation_error');
    expect(response.body.error.startsWith(field)).toBe(true);
  });

  it.each([
    'user_id=%201',
    'user_id=1e0',
    'user_id=01',
    'before=0x10',
    'limit=+5',
  ])('GET /admin/audit?%s is 400 validation_error', async (query) => {
    const response = await api.get(`/admin/audit?${query}`, admin);
    expectError(response, 400, 'validation_error');
  });

  it('the largest page is an empty page, not an error', async () => {
    const response = await api.get(
      '/admin/users?page=1000000&per_page=100',
      admin,
    );
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
  });

  it.each([
    ['an access token', () => admin],
    ['an empty string', () => ''],
    ['4,096 bytes', () => 'é'.repeat(2048)],
    [
      'a refresh-token shape that matches no session',
      () => `${'a'.repeat(22)}.${'b'.repeat(43)}`,
    ],
    ['spaces and unicode', () => ' \u0000 😀 . '],
  ])(
    'POST /auth/refresh with %s is an unknown token: 401',
    async (_name, token) => {
      const response = await api.post('/auth/refresh', {
        refresh_token: token(),
      });
      expectError(response, 401, 'refresh_token_invalid');
    },
  );

  it('POST /auth/refresh with more than 4 KB is 400', async () => {
    const response = await api.post('/auth/refresh', {
      refresh_token: 'x'.repeat(4097),
    });
    expectError(response, 400, 'validation_error');
  });

  describe('errors raised before routing have exactly {error, code}', () => {
    const long = '1'.repeat(101);
    it.each([
      [
        'a path parameter over 100 characters',
        `PATCH /admin/users/${long} HTTP/1.1`,
        414,
        'validation_error',
      ],
      [
        'a path parameter over 100 characters (DELETE)',
        `DELETE /admin/users/${long}/sessions HTTP/1.1`,
        414,
        'validation_error',
      ],
      [
        'bad percent-encoding in the path',
        'GET /admin/users/%zz HTTP/1.1',
        400,
        'validation_error',
      ],
      ['a lone % in the path', 'GET /% HTTP/1.1', 400, 'validation_error'],
      ['an unknown route', 'GET /nope HTTP/1.1', 404, 'not_found'],
      ['an unknown method', 'PROPFIND /auth/me HTTP/1.1', 404, 'not_found'],
      [
        'a method Node cannot parse',
        'FOO /auth/me HTTP/1.1',
        400,
        'validation_error',
      ],
      ['a request line that is not HTTP', 'GARBAGE', 400, 'validation_error'],
      [
        'a URL over the header limit',
        `GET /${'a'.repeat(20_000)} HTTP/1.1`,
        431,
        'validation_error',
      ],
    ])('%s', async (_name, requestLine, status, code) => {
      const response = await rawHttp(
        api.url,
        `${requestLine}\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`,
      );
      expect(errorShapeProblem(response.body)).toBeUndefined();
      expect({
        status: response.status,
        code: JSON.parse(response.body).code,
      }).toEqual({
        status,
        code,
      });
    });

    it.each([
      ['an HTTP/1.1 request without Host', 'GET /health HTTP/1.1\r\n', 400],
      [
        'an Expect other than 100-continue',
        'GET /health HTTP/1.1\r\nHost: x\r\nExpect: nope\r\n',
        417,
      ],
    ])('%s', async (_name, head, status) => {
      const response = await rawHttp(
        api.url,
        `${head}Connection: close\r\n\r\n`,
      );
      expect(response.status).toBe(status);
      expect(errorShapeProblem(response.body)).toBeUndefined();
    });

    it.each([
      ['GET /health (awaits the database)', 'GET /health', 200],
      ['GET /auth/sessions (awaits the database)', 'GET /auth/sessions', 200],
    ])(
      'a client that half-closes after its request still gets the answer: %s',
      async (_name, requestLine, status) => {
        // rawHttp sends the request and its FIN together.
        for (let attempt = 0; attempt < 20; attempt++) {
          const response = await rawHttp(
            api.url,
            `${requestLine} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`,
          );
          expect(response.status).toBe(status);
        }
      },
    );

    it.each([
      ['headers over the limit', `X-Big: ${'a'.repeat(20_000)}\r\n`, 431],
      ['an invalid Content-Length', 'Content-Length: abc\r\n', 400],
      [
        'Content-Length with chunked encoding',
        'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n',
        400,
      ],
    ])('%s', async (_name, headers, status) => {
      const response = await rawHttp(
        api.url,
        `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Connection: close\r\n\r\n{}`,
      );
      expect(response.status).toBe(status);
      expect(errorShapeProblem(response.body)).toBeUndefined();
    });
  });

  it('a path parameter that is not an integer is named', async () => {
    const response = await api.request('PATCH', '/admin/users/abc', {
      body: { disabled: true },
      token: admin,
    });
    expect(response.body).toEqual({
      error: ID_MESSAGE,
      code: 'validation_error',
    });
  });

  describe('null, [] and {} in any field of any body', () => {
    const VICTIM_PASSWORD = 'victim-password-1';
    let victim: LoginBody & { id: number };

    beforeAll(async () => {
      victim = await api.createUser('nv-victim', 2, VICTIM_PASSWORD);
    });

    interface Template {
      method: string;
      path: () => string;
      token: () => string | undefined;
      /** A valid body with every field the DTO has. */
      body: () => Record<string, unknown>;
      /** Also send each field alone (a DTO whose fields are all optional). */
      alone?: boolean;
    }

    const TEMPLATES: Record<string, Template> = {
      'POST /auth/login': {
        method: 'POST',
        path: () => '/auth/login',
        token: () => undefined,
        body: () => ({
          username: 'nv-victim',
          password: VICTIM_PASSWORD,
          device_token: 'x',
        }),
      },
      'POST /auth/refresh': {
        method: 'POST',
        path: () => '/auth/refresh',
        token: () => undefined,
        body: () => ({ refresh_token: victim.refresh_token }),
      },
      'POST /admin/users': {
        method: 'POST',
        path: () => '/admin/users',
        token: () => admin,
        body: () => ({
          username: 'nv-created',
          password: 'created-password-1',
          permission_tier: 2,
        }),
      },
      'PATCH /admin/users/:id': {
        method: 'PATCH',
        path: () => `/admin/users/${victim.id}`,
        token: () => admin,
        body: () => ({
          permission_tier: 1,
          disabled: true,
          password: 'changed-password-1',
        }),
        alone: true,
      },
      'POST /auth/api-keys': {
        method: 'POST',
        path: () => '/auth/api-keys',
        token: () => victim.access_token,
        body: () => ({
          name: 'nv-key',
          permission_tier: 2,
          ip_allowlist: ['127.0.0.1'],
          expires_in_days: 30,
          password: VICTIM_PASSWORD,
        }),
      },
    };

    const BAD: Array<[string, unknown]> = [
      ['null', null],
      ['[]', []],
      ['{}', {}],
    ];

    it.each(Object.keys(TEMPLATES))(
      '%s: each is 400 validation_error, and nothing is stored',
      async (name) => {
        const template = TEMPLATES[name];
        const valid = template.body();
        const wrong: string[] = [];
        for (const field of Object.keys(valid)) {
          for (const [label, value] of BAD) {
            // An empty allowlist is a real value: the key works from any address.
            if (field === 'ip_allowlist' && label === '[]') continue;
            const bodies = [{ ...valid, [field]: value }];
            if (template.alone) bodies.push({ [field]: value });
            for (const body of bodies) {
              const response = await api.request(
                template.method,
                template.path(),
                { body, token: template.token() },
              );
              const shapeProblem = errorShapeProblem(response.text);
              if (
                response.status !== 400 ||
                shapeProblem !== undefined ||
                response.body?.code !== 'validation_error'
              )
                wrong.push(
                  `${JSON.stringify(body)} -> ${response.status} ${response.text}`,
                );
            }
          }
        }
        expect(wrong).toEqual([]);

        // The victim still logs in with the old password, at the old tier,
        // their session lives, and no key or user was created.
        const login = await api.post('/auth/login', {
          username: 'nv-victim',
          password: VICTIM_PASSWORD,
        });
        expect(login.status).toBe(200);
        expect(login.body.permission_tier).toBe(2);
        const me = await api.get('/auth/me', victim.access_token);
        expect({ status: me.status, tier: me.body.permission_tier }).toEqual({
          status: 200,
          tier: 2,
        });
        expect(
          (await api.get('/auth/api-keys', victim.access_token)).body,
        ).toEqual({ items: [] });
        const users = await api.get('/admin/users?per_page=100', admin);
        expect(
          users.body.items.map((user: any) => user.username),
        ).not.toContain('nv-created');
        expect(
          users.body.items.find((user: any) => user.username === 'nv-victim'),
        ).toMatchObject({ permission_tier: 2, disabled: false });
      },
    );

    it('a WebSocket auth frame with null, [] or {} as the token gets a validation_error event and the socket stays open', async () => {
      const socket = await WsClient.open(api.wsUrl, victim.access_token);
      try {
        for (const [, value] of BAD) {
          socket.send('auth', { token: value });
          expect(await socket.next()).toEqual({
            event: 'error',
            data: { error: expect.any(String), code: 'validation_error' },
          });
        }
        socket.send('whoami');
        expect((await socket.next()).event).toBe('whoami');
      } finally {
        socket.socket.close();
      }
    });
  });

  describe('a path id that is not written as an id', () => {
    /** Each is 1 to Number() or parseInt(), or no id at all. */
    const NOT_IDS = [
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
      '2147483648',
      '1%00',
      '%E2%80%891',
    ];
    let operator: string;
    let root: LoginBody;
    let rootSid: string;
    let rootKeyId: string;

    beforeAll(async () => {
      operator = (await api.createUser('id-operator', 4)).access_token;
      root = await api.login(ADMIN.username, ADMIN.password);
      rootSid = root.refresh_token.split('.')[0];
      const key = await api.post(
        '/auth/api-keys',
        {
          name: 'root-bot',
          permission_tier: 4,
          ip_allowlist: ['127.0.0.1'],
          password: ADMIN.password,
        },
        root.access_token,
      );
      expect(key.status).toBe(201);
      rootKeyId = key.body.id;
    });

    /** User 1 is the bootstrap admin, with a live session and a key. */
    async function expectUserOneUntouched(): Promise<void> {
      const me = await api.get('/auth/me', root.access_token);
      expect({ status: me.status, id: me.body.id }).toEqual({
        status: 200,
        id: 1,
      });
      expect((await api.post('/auth/login', ADMIN)).status).toBe(200);
      const sessions = await api.get('/admin/users/1/sessions', operator);
      expect(sessions.body.items.map((s: any) => s.id)).toContain(rootSid);
      const keys = await api.get('/admin/users/1/api-keys', operator);
      expect(keys.body.items.map((k: any) => k.id)).toEqual([rootKeyId]);
    }

    // Every row has all four values: with fewer, Jest would take the last parameter for `done`.
    const ROUTES: Array<[string, string, () => string, unknown]> = [
      [
        'PATCH',
        '/admin/users/{id}',
        () => '',
        { password: 'hijacked-password-1' },
      ],
      ['DELETE', '/admin/users/{id}/sessions', () => '', undefined],
      ['GET', '/admin/users/{id}/sessions', () => '', undefined],
      ['DELETE', '/admin/users/{id}/sessions/{sid}', () => rootSid, undefined],
      ['GET', '/admin/users/{id}/api-keys', () => '', undefined],
      [
        'DELETE',
        '/admin/users/{id}/api-keys/{keyId}',
        () => rootKeyId,
        undefined,
      ],
    ];

    it.each(ROUTES)(
      '%s %s: each is 400 validation_error and user 1 keeps everything',
      async (method, template, other, body) => {
        const wrong: string[] = [];
        for (const id of NOT_IDS) {
          const path = template
            .replace('{id}', id)
            .replace(/\{(sid|keyId)\}/, other());
          const response = await api.request(method, path, {
            body,
            token: operator,
          });
          if (
            response.status !== 400 ||
            errorShapeProblem(response.text) !== undefined ||
            response.body.code !== 'validation_error'
          )
            wrong.push(`${path} -> ${response.status} ${response.text}`);
        }
        expect(wrong).toEqual([]);
        await expectUserOneUntouched();
      },
    );

    it('the canonical form still works', async () => {
      const response = await api.get('/admin/users/1/sessions', operator);
      expect(response.status).toBe(200);
    });

    /** Each is the live session or key id with something around it, or not of the id's form. */
    const NOT_STRING_IDS = (id: string) => [
      `${id}%20`,
      `%20${id}`,
      `${id}%09`,
      `${id}%00`,
      id.slice(1),
      `${id}A`,
      id.toLowerCase() === id ? id.toUpperCase() : `${id.slice(0, 21)}!`,
      'not-a-session!',
    ];

    it.each([
      ['DELETE', '/auth/sessions/{x}', () => rootSid, () => root.access_token],
      ['DELETE', '/admin/users/1/sessions/{x}', () => rootSid, () => operator],
      [
        'DELETE',
        '/auth/api-keys/{x}',
        () => rootKeyId,
        () => root.access_token,
      ],
      [
        'DELETE',
        '/admin/users/1/api-keys/{x}',
        () => rootKeyId,
        () => operator,
      ],
    ])(
      '%s %s with a malformed id: each is 400 validation_error, and the session and key live on',
      async (method, template, id, token) => {
        const wrong: string[] = [];
        for (const form of NOT_STRING_IDS(id())) {
          const path = template.replace('{x}', form);
          const response = await api.request(method, path, { token: token() });
          if (
            response.status !== 400 ||
            errorShapeProblem(response.text) !== undefined ||
            response.body.code !== 'validation_error'
          )
            wrong.push(`${path} -> ${response.status} ${response.text}`);
        }
        expect(wrong).toEqual([]);
        await expectUserOneUntouched();
      },
    );
  });
});
