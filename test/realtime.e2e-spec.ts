import { sign } from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { DRIVERS, TestDatabase } from './support/databases';
import { sleep, TEST_JWT_SECRET, TestApp } from './support/test-app';
import { WsClient as Client } from './support/ws-client';

interface Handshake {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  opened: boolean;
}

/** Attempts an upgrade and reports what the client saw: the HTTP answer, and whether a socket ever opened. */
function handshake(url: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let opened = false;
    socket.once('open', () => {
      opened = true;
      socket.terminate();
      resolve({ status: 101, body: undefined, headers: {}, opened });
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          body: JSON.parse(text),
          headers: response.headers,
          opened,
        }),
      );
    });
    socket.once('error', reject);
  });
}

function forgeToken(
  api: TestApp,
  secret: string,
  overrides: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    {
      sub: '1',
      jti: randomBytes(16).toString('base64url'),
      iat: now,
      exp: now + 600,
      iss: api.config.jwtIssuer,
      aud: api.config.jwtAudience,
      typ: 'access',
      sid: 'no-such-session',
      ver: 0,
      username: 'root-admin',
      permission_tier: 4,
      ...overrides,
    },
    secret,
    { algorithm: 'HS256' },
  );
}

let userCount = 0;
const uniqueName = (prefix: string) => `${prefix}${++userCount}`;

describe.each(DRIVERS)('WebSocket endpoint on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  const clients: Client[] = [];

  async function open(token: string): Promise<Client> {
    const client = await Client.open(api.wsUrl, token);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    db = await driver.create();
    // A 1 s heartbeat so the dead-peer test is quick; live clients answer pings on their own.
    api = await TestApp.start(db, { WS_HEARTBEAT_SECONDS: '1' });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  describe('handshake', () => {
    const refused: [
      string,
      number,
      string,
      (api: TestApp) => Promise<string>,
    ][] = [
      ['a missing token', 401, 'unauthorized', async () => '/ws'],
      ['an empty token', 401, 'unauthorized', async () => '/ws?token='],
      [
        'a garbage token',
        401,
        'token_invalid',
        async () => '/ws?token=not-a-jwt',
      ],
      [
        'a token signed with another secret',
        401,
        'token_invalid',
        async (app) =>
          `/ws?token=${forgeToken(app, 'some-other-secret-0123456789abcdef')}`,
      ],
      [
        'an expired token',
        401,
        'token_expired',
        async (app) => {
          const now = Math.floor(Date.now() / 1000);
          return `/ws?token=${forgeToken(app, TEST_JWT_SECRET, { iat: now - 100, exp: now - 10 })}`;
        },
      ],
      [
        'a logged-out token',
        401,
        'token_revoked',
        async (app) => {
          const user = await app.createUser(uniqueName('gone'), 2);
          expect(
            (await app.post('/auth/logout', undefined, user.access_token))
              .status,
          ).toBe(204);
          return `/ws?token=${user.access_token}`;
        },
      ],
    ];

    it.each(refused)(
      'refuses %s with HTTP %d %s and no socket',
      async (_name, status, code, path) => {
        const result = await handshake(api.wsUrl + (await path(api)));
        expect(result.opened).toBe(false);
        expect(result.status).toBe(status);
        expect(result.headers['content-type']).toBe('application/json');
        expect(Object.keys(result.body).sort()).toEqual(['code', 'error']);
        expect(result.body.code).toBe(code);
      },
    );

    it('ignores a token sent in the Authorization header: only ?token= counts', async () => {
      const user = await api.createUser(uniqueName('hdr'), 2);
      const result = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${api.wsUrl}/ws`, {
          headers: { authorization: `Bearer ${user.access_token}` },
        });
        socket.once('open', () => {
          socket.terminate();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) =>
          resolve(response.statusCode!),
        );
        socket.once('error', reject);
      });
      expect(result).toBe(401);
    });
  });

  describe('messages', () => {
    it('answers whoami with the authenticated user', async () => {
      const username = uniqueName('who');
      const user = await api.createUser(username, 2);
      const client = await open(user.access_token);
      expect(await client.request('whoami')).toEqual({
        event: 'whoami',
        data: {
          id: user.id,
          username,
          permission_tier: 2,
          access_expires_at: user.access_expires_at,
        },
      });
    });

    it.each([
      ['a non-JSON frame', 'this is not json', 'validation_error'],
      ['a JSON array', '[1,2,3]', 'validation_error'],
      ['a frame without an event', '{"data":{}}', 'validation_error'],
      ['an unknown event', '{"event":"no.such.event","data":{}}', 'not_found'],
      [
        'an auth message without a token',
        '{"event":"auth","data":{}}',
        'validation_error',
      ],
    ])(
      'answers %s with an error event and keeps the socket open',
      async (_name, frame, code) => {
        const user = await api.createUser(uniqueName('junk'), 2);
        const client = await open(user.access_token);
        client.sendRaw(frame);
        const reply = await client.next();
        expect(reply.event).toBe('error');
        expect(Object.keys(reply.data).sort()).toEqual(['code', 'error']);
        expect(reply.data.code).toBe(code);
        // Still open and still served.
        expect((await client.request('whoami')).event).toBe('whoami');
        expect(client.isClosed).toBe(false);
      },
    );

    it('refuses a tier-protected message to a lower tier with insufficient_tier and keeps the socket open', async () => {
      const monitor = await api.createUser(uniqueName('mon'), 1);
      const client = await open(monitor.access_token);
      const reply = await client.request('connections');
      expect(reply).toEqual({
        event: 'error',
        data: { error: expect.any(String), code: 'insufficient_tier' },
      });
      expect((await client.request('whoami')).data.permission_tier).toBe(1);
      expect(client.isClosed).toBe(false);
    });

    it('serves the tier-protected message to a high enough tier', async () => {
      const trader = await api.createUser(uniqueName('trd'), 2);
      const first = await open(trader.access_token);
      await open(trader.access_token);
      expect(await first.request('connections')).toEqual({
        event: 'connections',
        data: { open: 2, max: api.config.wsMaxSocketsPerUser },
      });
    });

    it('ends the socket with an error event and 4002 when auth carries another user’s token', async () => {
      const alice = await api.createUser(uniqueName('alice'), 2);
      const bob = await api.createUser(uniqueName('bob'), 2);
      const client = await open(alice.access_token);
      const reply = await client.request('auth', { token: bob.access_token });
      expect(reply.event).toBe('error');
      expect(reply.data.code).toBe('token_invalid');
      expect(await client.closedWithin(1000)).toMatchObject({
        code: 4002,
        reason: 'token_revoked',
      });
    });

    it('ends the socket with an error event and 4002 when auth carries a bad token', async () => {
      const user = await api.createUser(uniqueName('bad'), 2);
      const client = await open(user.access_token);
      const reply = await client.request('auth', { token: 'garbage' });
      expect(reply).toEqual({
        event: 'error',
        data: { error: expect.any(String), code: 'token_invalid' },
      });
      expect(await client.closedWithin(1000)).toMatchObject({
        code: 4002,
        reason: 'token_revoked',
      });
    });
  });

  describe('revocation', () => {
    it('closes the socket with 4002 token_revoked after a REST logout, and only that one', async () => {
      const user = await api.createUser(uniqueName('out'), 2);
      const other = await api.createUser(uniqueName('stay'), 2);
      const client = await open(user.access_token);
      const bystander = await open(other.access_token);
      expect(
        (await api.post('/auth/logout', undefined, user.access_token)).status,
      ).toBe(204);
      // How fast is the benchmark's business (scenario 6); here: that it closes.
      const closed = await client.closedWithin(5000);
      expect(closed).toMatchObject({ code: 4002, reason: 'token_revoked' });
      expect((await bystander.request('whoami')).event).toBe('whoami');
    });

    it('closes the socket with 4002 when an admin disables the user', async () => {
      const user = await api.createUser(uniqueName('off'), 2);
      const client = await open(user.access_token);
      const response = await api.request('PATCH', `/admin/users/${user.id}`, {
        body: { disabled: true },
        token: await api.adminToken(),
      });
      expect(response.status).toBe(200);
      expect(await client.closedWithin(1000)).toMatchObject({
        code: 4002,
        reason: 'token_revoked',
      });
    });

    it('closes every socket of the user when an admin revokes their sessions', async () => {
      const user = await api.createUser(uniqueName('all'), 2);
      const first = await open(user.access_token);
      const second = await open(
        (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
          .body.access_token,
      );
      const response = await api.request(
        'DELETE',
        `/admin/users/${user.id}/sessions`,
        { token: await api.adminToken() },
      );
      expect(response.status).toBe(204);
      for (const client of [first, second]) {
        expect(await client.closedWithin(1000)).toMatchObject({
          code: 4002,
          reason: 'token_revoked',
        });
      }
    });
  });

  describe('heartbeat', () => {
    it('drops a peer that stops answering pings and keeps one that answers', async () => {
      const user = await api.createUser(uniqueName('beat'), 2);
      const live = await open(user.access_token);
      const silent = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(
          `${api.wsUrl}/ws?token=${user.access_token}`,
          { autoPong: false },
        );
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      const closed = await new Promise<number>((resolve) =>
        silent.once('close', (code) => resolve(code)),
      );
      expect(closed).toBe(1006); // terminated without a close frame
      expect(live.isClosed).toBe(false);
      expect((await live.request('whoami')).event).toBe('whoami');
    });
  });

  describe('limits', () => {
    it('refuses a socket beyond the per-user bound with 429 rate_limited', async () => {
      const user = await api.createUser(uniqueName('many'), 2);
      for (let i = 0; i < api.config.wsMaxSocketsPerUser; i++)
        await open(user.access_token);
      const result = await handshake(
        `${api.wsUrl}/ws?token=${user.access_token}`,
      );
      expect(result).toMatchObject({
        status: 429,
        opened: false,
        body: { code: 'rate_limited' },
      });
      expect(result.headers['retry-after']).toBe('5');
    });
  });
});

describe.each(DRIVERS)('WebSocket token expiry on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, { ACCESS_TOKEN_TTL: '2' });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('closes an idle socket with 4001 token_expired once it expires, and keeps one that re-authenticated', async () => {
    const user = await api.createUser('expiring', 2);
    const idle = await Client.open(api.wsUrl, user.access_token);
    const renewed = await Client.open(api.wsUrl, user.access_token);
    try {
      // Tokens carry whole-second expiries: refresh once the clock is in the next second, so the new one expires later.
      const firstExpiryMs = user.access_expires_at * 1000;
      await sleep(Math.max(0, firstExpiryMs - 1000 + 50 - Date.now()));
      const refreshed = await api.post('/auth/refresh', {
        refresh_token: user.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.access_expires_at).toBeGreaterThan(
        user.access_expires_at,
      );
      expect(
        await renewed.request('auth', { token: refreshed.body.access_token }),
      ).toEqual({
        event: 'auth',
        data: { access_expires_at: refreshed.body.access_expires_at },
      });

      const closed = await idle.closedWithin(firstExpiryMs + 5000 - Date.now());
      expect(closed).toMatchObject({ code: 4001, reason: 'token_expired' });
      // Not before its expiry (exp is exclusive, in whole seconds).
      expect(closed.at).toBeGreaterThanOrEqual(firstExpiryMs);

      await sleep(Math.max(0, firstExpiryMs + 300 - Date.now()));
      expect(renewed.isClosed).toBe(false);
      expect(await renewed.request('whoami')).toMatchObject({
        data: { access_expires_at: refreshed.body.access_expires_at },
      });

      // The new token runs out in turn.
      const secondExpiryMs = refreshed.body.access_expires_at * 1000;
      const second = await renewed.closedWithin(
        secondExpiryMs + 1500 - Date.now(),
      );
      expect(second).toMatchObject({ code: 4001, reason: 'token_expired' });
    } finally {
      idle.close();
      renewed.close();
    }
  });
});

describe.each(DRIVERS)('WebSocket at shutdown on $name', (driver) => {
  it('closes open sockets with 1001 server_shutdown when the server stops', async () => {
    const db = await driver.create();
    const api = await TestApp.start(db);
    try {
      const user = await api.createUser('shutdown-watcher', 1);
      const client = await Client.open(api.wsUrl, user.access_token);
      await api.close();
      expect(await client.closedWithin(2000)).toMatchObject({
        code: 1001,
        reason: 'server_shutdown',
      });
    } finally {
      await db.drop();
    }
  });
});
