import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { ServerProcess } from './support/server-process';
import { ADMIN } from './support/test-app';

/**
 * The server's real log output, at its most verbose, while a client uses
 * tokens every way the suites do (and some careless ones: credentials in
 * query parameters under encoded names). No token signature, refresh secret
 * or password may appear in it.
 */
describe.each(DRIVERS)('log redaction on $name', (driver) => {
  let db: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await driver.create();
    server = await ServerProcess.start({
      DATABASE_URL: db.url,
      LOG_LEVEL: 'trace',
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
  });

  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      body:
        options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  /** Opens a socket on `query` and returns the handshake's HTTP status (101 when accepted). */
  function handshake(query: string): Promise<number> {
    return new Promise((resolve) => {
      const socket = new WebSocket(
        `${server.url.replace('http', 'ws')}/ws?${query}`,
      );
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_request, response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      socket.once('error', () => resolve(0));
    });
  }

  it('never logs the signature of a token, a refresh secret or a password', async () => {
    const secrets: string[] = [ADMIN.password];
    const login = await call('POST', '/auth/login', {
      body: { username: ADMIN.username, password: ADMIN.password },
    });
    expect(login.status).toBe(200);
    const access: string = login.body.access_token;
    const refresh: string = login.body.refresh_token;
    const refreshed = await call('POST', '/auth/refresh', {
      body: { refresh_token: refresh },
    });
    expect(refreshed.status).toBe(200);
    const second: string = refreshed.body.access_token;

    // A JWT's signature is its third part; a refresh token's secret its second.
    secrets.push(
      access.split('.')[2],
      second.split('.')[2],
      refresh.split('.')[1],
    );

    expect((await call('GET', '/auth/me', { token: access })).status).toBe(200);
    // Credentials in query strings, under every encoding of their names.
    for (const [name, value] of [
      ['token', access],
      ['%74oken', access],
      ['t%6F%6B%65%6E', second],
      ['TOKEN', access],
      ['access_token', access],
      ['refresh_token', refresh],
      ['refresh%5Ftoken', refresh],
      ['ticket', second],
      ['device_token', second],
      ['key', access],
      ['password', ADMIN.password],
      ['pass%77ord', ADMIN.password],
    ]) {
      await call('GET', `/auth/me?x=1&${name}=${encodeURIComponent(value)}`, {
        token: second,
      });
      await call('GET', `/nope?${name}=${encodeURIComponent(value)}`);
    }
    await call('POST', '/auth/login', {
      body: { username: ADMIN.username, password: 'wrong-password-1' },
    });
    secrets.push('wrong-password-1');

    // Handshakes, accepted and refused, under encoded names.
    expect(await handshake(`token=${second}`)).toBe(101);
    expect(await handshake(`%74oken=${second}`)).toBe(101);
    expect(await handshake(`token=${second}x`)).toBe(401);
    expect((await call('POST', '/auth/logout', { token: access })).status).toBe(
      204,
    );
    expect(await handshake(`%74oken=${access}`)).toBe(401);
    expect(await handshake(`TOKEN=${access}&token=${access}`)).toBe(401);
    expect(await handshake(`ticket=${access}`)).toBe(401);

    await server.stop();
    const output = server.output();
    // The capture is real: the requests above were logged, redacted.
    expect(output).toContain('"msg":"request"');
    expect(output).toContain('%74oken=[REDACTED]');
    expect(output).toContain('handshake refused');
    for (const secret of secrets) {
      expect({ secret, found: output.includes(secret) }).toEqual({
        secret,
        found: false,
      });
    }
  });
});

/**
 * The access log of a production-like server while a careless client puts
 * its API key and access token in URLs: under the names clients use for
 * them, in any case, under names that say nothing, encoded, and in the path.
 */
describe.each(DRIVERS)(
  'access-log redaction of keys and tokens on $name',
  (driver) => {
    let db: TestDatabase;
    let server: ServerProcess;

    beforeAll(async () => {
      db = await driver.create();
      server = await ServerProcess.start({
        DATABASE_URL: db.url,
        LOG_LEVEL: 'info',
        BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      });
    });

    afterAll(async () => {
      await server.stop();
      await db.drop();
    });

    it('writes no API key, token or named secret of a URL, whatever its name or place', async () => {
      const login = await server.post('/auth/login', {
        username: ADMIN.username,
        password: ADMIN.password,
      });
      expect(login.status).toBe(200);
      const access: string = login.body.access_token;
      const created = await server.post(
        '/auth/api-keys',
        { name: 'careless bot', permission_tier: 1, password: ADMIN.password },
        access,
      );
      expect(created.status).toBe(201);
      const apiKey: string = created.body.key;
      expect(apiKey).toMatch(/^tak_/);
      const plain = 'plain-secret-0f1e2d3c4b5a';
      const basic = 'Basic cm9vdC1hZG1pbjpwYXNz';

      const urls: string[] = [];
      for (const name of [
        'api_key',
        'apikey',
        'x-api-key',
        'X-Api-Key',
        'API_KEY',
        'jwt',
        'JWT',
        'authorization',
        'Authorization',
        'secret',
        'SECRET',
        'Secret',
      ])
        urls.push(`/auth/me?${name}=${encodeURIComponent(plain)}&n=1`);
      urls.push(`/auth/me?authorization=${encodeURIComponent(basic)}`);
      for (const value of [apiKey, access])
        urls.push(
          `/auth/me?q=${value}`,
          `/auth/me?filter=${encodeURIComponent(`owner:${value}`)}`,
          `/auth/me?q=${value.replace('_', '%5F').replace('.', '%2E')}`,
          `/nope/${value}`,
          `/nope/${value}/x?y=1`,
          `/auth/me?x=${value}&jwt=${value}`,
        );
      for (const url of urls) {
        const response = await fetch(server.url + url);
        await response.arrayBuffer();
      }

      await server.stop();
      const output = server.output();
      const lines = output
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'));
      // The capture is real: every request above was logged, redacted.
      expect(lines.filter((line) => line.includes('[REDACTED]'))).toHaveLength(
        urls.length,
      );
      expect(output).toContain('"url":"/auth/me?api_key=[REDACTED]&n=1"');
      expect(output).toContain('"url":"/nope/[REDACTED]/x?y=1"');
      const [, keySecret] = apiKey.split('.');
      const [, payload, signature] = access.split('.');
      for (const secret of [
        plain,
        basic,
        encodeURIComponent(basic),
        keySecret,
        payload,
        signature,
      ])
        expect({ secret, found: output.includes(secret) }).toEqual({
          secret,
          found: false,
        });
    });
  },
);
