import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { errorShapeProblem, rawHttp } from './support/raw-http';
import { TestApp } from './support/test-app';

/** 3,000 nested arrays: 6 KB that once overflowed the validator's stack (500). */
const NESTED = '['.repeat(3000) + ']'.repeat(3000);

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
  ])('GET /admin/users?%s is 400 naming %s', async (query, field) => {
    const response = await api.get(`/admin/users?${query}`, admin);
    expectError(response, 400, 'validation_error');
    expect(response.body.error.startsWith(field)).toBe(true);
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
      error: 'id must be an integer',
      code: 'validation_error',
    });
  });
});
