import { generateKeyPairSync } from 'node:crypto';
import { DRIVERS, TestDatabase } from './support/databases';
import { Ed25519Signer, send, sendSigned } from './support/ed25519-signer';
import { RedisServer } from './support/redis-server';
import { ServerProcess } from './support/server-process';
import { ADMIN, TestApp } from './support/test-app';
import { WsClient } from './support/ws-client';

jest.setTimeout(60_000);

interface CreatedKey {
  id: string;
  key?: string;
  type: string;
  public_key: string | null;
}

/** Every failure path of this suite runs from 127.0.0.1: the failed-key budget must not end it. */
const ENV = { RATE_LIMIT_API_KEY_FAILURES_MAX: '100000' };

describe.each(DRIVERS)('Ed25519-signed API keys on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, ENV);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A user of `tier` with a fresh key pair and its registered key. */
  async function signedKey(
    username: string,
    tier = 2,
    body: Record<string, unknown> = {},
  ) {
    const user = await api.createUser(username, tier);
    const signer = await Ed25519Signer.create();
    const created = await api.post<CreatedKey>(
      '/auth/api-keys',
      {
        name: 'signed bot',
        permission_tier: tier,
        type: 'ed25519',
        public_key: signer.publicKeyBase64,
        password: 'password-of-' + username,
        ...body,
      },
      user.access_token,
    );
    expect(created.status).toBe(201);
    return { user, signer, id: created.body.id, created: created.body };
  }

  type Options = Parameters<typeof sendSigned>[5];
  const me = (signer: Ed25519Signer, id: string, options: Options = {}) =>
    sendSigned(api.url, signer, id, 'GET', '/auth/me', options);

  describe('creating', () => {
    it('stores the public key only: the answer has the id and no secret', async () => {
      const { user, signer, created } = await signedKey('sk-create');
      expect(created).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        name: 'signed bot',
        type: 'ed25519',
        public_key: signer.publicKeyBase64,
        permission_tier: 2,
        scopes: ['read'],
        ip_allowlist: [],
        created_at: expect.any(Number),
        expires_at: null,
      });
      const list = await api.get('/auth/api-keys', user.access_token);
      expect(list.body.items).toEqual([
        expect.objectContaining({
          id: created.id,
          type: 'ed25519',
          public_key: signer.publicKeyBase64,
        }),
      ]);
    });

    it('takes a PEM SPKI as well as the raw bytes', async () => {
      const user = await api.createUser('sk-pem', 2);
      const signer = await Ed25519Signer.create();
      const created = await api.post<CreatedKey>(
        '/auth/api-keys',
        {
          name: 'pem bot',
          permission_tier: 2,
          type: 'ed25519',
          public_key: signer.publicKeyPem,
          password: 'password-of-sk-pem',
        },
        user.access_token,
      );
      expect(created.status).toBe(201);
      expect(created.body.public_key).toBe(signer.publicKeyBase64);
      expect((await me(signer, created.body.id)).status).toBe(200);
    });

    it('refuses anything but an Ed25519 public key with 400, saying why', async () => {
      const user = await api.createUser('sk-bad', 2);
      const spki = { type: 'spki', format: 'pem' } as const;
      const pems = {
        rsa: generateKeyPairSync('rsa', {
          modulusLength: 2048,
        }).publicKey.export(spki),
        ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export(
          spki,
        ),
        x25519: generateKeyPairSync('x25519').publicKey.export(spki),
      };
      const pem = (type: keyof typeof pems) => pems[type];
      const privatePem = generateKeyPairSync('ed25519').privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      const base = {
        name: 'bad',
        permission_tier: 2,
        password: 'password-of-sk-bad',
      };
      const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        [
          '31 bytes',
          { public_key: Buffer.alloc(31, 1).toString('base64') },
          /32 bytes/,
        ],
        [
          '33 bytes',
          { public_key: Buffer.alloc(33, 1).toString('base64') },
          /32 bytes/,
        ],
        ['not base64', { public_key: 'not a key!' }, /base64/],
        ['an RSA PEM', { public_key: pem('rsa') }, /type rsa;/],
        ['a P-256 PEM', { public_key: pem('ec') }, /type ec;/],
        ['an X25519 PEM', { public_key: pem('x25519') }, /type x25519;/],
        ['a private key', { public_key: privatePem }, /private key/],
        [
          'a broken PEM',
          {
            public_key:
              '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
          },
          /PEM/,
        ],
        ['no public_key', {}, /required/],
        ['null', { public_key: null }, /./],
        ['a number', { public_key: 42 }, /./],
        ['an array', { public_key: ['a'] }, /./],
        ['an object', { public_key: { x: 1 } }, /./],
      ];
      for (const [why, body, message] of cases) {
        const response = await api.post(
          '/auth/api-keys',
          { ...base, type: 'ed25519', ...body },
          user.access_token,
        );
        expect({
          why,
          status: response.status,
          code: response.body.code,
        }).toEqual({ why, status: 400, code: 'validation_error' });
        expect(response.body.error).toMatch(message);
      }
      for (const body of [
        { type: 'rsa' },
        { type: null },
        { type: ['ed25519'] },
        { type: 'secret', public_key: Buffer.alloc(32).toString('base64') },
      ]) {
        const response = await api.post(
          '/auth/api-keys',
          { ...base, ...body },
          user.access_token,
        );
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('validation_error');
      }
      // None of them was created.
      const list = await api.get('/auth/api-keys', user.access_token);
      expect(list.body.items).toEqual([]);
    });
  });

  describe('signed requests', () => {
    it('are accepted with a good signature, and stand for the owner at the key tier', async () => {
      const { user, signer, id } = await signedKey('sk-good', 3, {
        permission_tier: 2,
        ip_allowlist: ['127.0.0.1'],
      });
      const response = await me(signer, id);
      expect(response).toMatchObject({
        status: 200,
        body: { id: user.id, username: 'sk-good', permission_tier: 2 },
      });
    });

    it('cover the path and query exactly as sent', async () => {
      const { signer, id } = await signedKey('sk-query');
      const target = '/auth/me?b=2&a=%20x';
      expect(
        (await sendSigned(api.url, signer, id, 'GET', target)).status,
      ).toBe(200);
      // The same query in another order or spelling is another request.
      for (const signedTarget of [
        '/auth/me?a=%20x&b=2',
        '/auth/me?b=2&a=+x',
        '/auth/me',
      ]) {
        const response = await sendSigned(api.url, signer, id, 'GET', target, {
          signed: { target: signedTarget },
        });
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('signature_invalid');
      }
    });

    it('cover the raw bytes of the body, not a re-serialised one', async () => {
      const { signer, id } = await signedKey('sk-body');
      const raw = '{ "note" : "caf\u00e9",   "n": 1.0 }';
      const ok = await sendSigned(
        api.url,
        signer,
        id,
        'POST',
        '/auth/ws-ticket',
        {
          body: raw,
        },
      );
      expect(ok.status).toBe(200);
      expect(ok.body.ticket).toEqual(expect.any(String));
      // The parsed body is the same, the bytes are not: refused.
      const reserialised = await sendSigned(
        api.url,
        signer,
        id,
        'POST',
        '/auth/ws-ticket',
        {
          body: raw,
          signed: { body: JSON.stringify(JSON.parse(raw)) },
        },
      );
      expect(reserialised.status).toBe(401);
      expect(reserialised.body.code).toBe('signature_invalid');
    });

    it('refuse a change to any part of the signed string with 401 signature_invalid', async () => {
      const { signer, id } = await signedKey('sk-parts');
      const now = Date.now();
      const changed: Array<[string, Options]> = [
        [
          'timestamp',
          { timestamp: now, signed: { timestamp: String(now - 1) } },
        ],
        ['method', { signed: { method: 'GET' } }],
        ['method case', { signed: { method: 'post' } }],
        ['path', { signed: { target: '/auth/me' } }],
        ['body', { body: '{"a":1}', signed: { body: '{"a":2}' } }],
        ['body left out', { body: '{"a":1}', signed: { body: '' } }],
      ];
      for (const [part, options] of changed) {
        const response = await sendSigned(
          api.url,
          signer,
          id,
          'POST',
          '/auth/ws-ticket',
          options,
        );
        expect({
          part,
          status: response.status,
          code: response.body.code,
        }).toEqual({
          part,
          status: 401,
          code: 'signature_invalid',
        });
      }
      // Another key's signature, and signatures that cannot be one.
      const stranger = await Ed25519Signer.create();
      expect((await me(stranger, id)).body.code).toBe('signature_invalid');
      const good = await signer.headers(id, 'GET', '/auth/me');
      for (const signature of [
        'A'.repeat(86) + '==',
        good['x-api-signature'].slice(0, -4),
        good['x-api-signature']
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=+$/, ''),
        'not base64 at all',
      ]) {
        const response = await send(api.url, 'GET', '/auth/me', {
          headers: { ...good, 'x-api-signature': signature },
        });
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('signature_invalid');
      }
    });

    it('need the signature: an ed25519 key sent bare is never accepted', async () => {
      const { signer, id } = await signedKey('sk-bare');
      const headers = await signer.headers(id, 'GET', '/auth/me');
      const bare: Array<Record<string, string>> = [
        { 'x-api-key': id },
        { 'x-api-key': id, 'x-api-timestamp': headers['x-api-timestamp'] },
        { 'x-api-key': id, 'x-api-signature': headers['x-api-signature'] },
        // Dressed as a secret key.
        { 'x-api-key': `tak_${id}.${'A'.repeat(43)}` },
      ];
      for (const sent of bare) {
        const response = await send(api.url, 'GET', '/auth/me', {
          headers: sent,
        });
        expect(response).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'signature_required' },
          headers: expect.anything(),
        });
      }
      // An unknown id, and a secret key's id with a signature, are no keys.
      const secret = await api.post(
        '/auth/api-keys',
        { name: 'plain', permission_tier: 2, password: 'password-of-sk-bare' },
        await api
          .login('sk-bare', 'password-of-sk-bare')
          .then((l) => l.access_token),
      );
      expect(secret.status).toBe(201);
      for (const keyId of [secret.body.id, 'B'.repeat(22)]) {
        const response = await sendSigned(
          api.url,
          signer,
          keyId,
          'GET',
          '/auth/me',
        );
        expect(response.status).toBe(401);
        expect(response.body.code).toBe('api_key_invalid');
      }
    });

    it('are judged by the window: 5 s back by default, 1 s ahead, X-API-Recv-Window up to 60 s', async () => {
      const { signer, id } = await signedKey('sk-window');
      const at = (offsetMs: number, recvWindow?: string) =>
        me(signer, id, { timestamp: Date.now() + offsetMs, recvWindow });
      // Seconds of margin on each side: a request may wait on a busy machine.
      // The exact edges are src/api-keys/request-signature.spec.ts's.
      expect((await at(-3_000)).status).toBe(200);
      expect((await at(500)).status).toBe(200);
      expect((await at(-57_000, '60000')).status).toBe(200);
      expect((await at(-1_000, '3000')).status).toBe(200);
      for (const [offset, window] of [
        [-8_000, undefined],
        [3_000, undefined],
        [-6_000, '3000'],
        [-63_000, '60000'],
      ] as const) {
        const before = Date.now();
        const response = await at(offset, window);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          error: expect.any(String),
          code: 'timestamp_out_of_window',
          server_time: expect.any(Number),
        });
        expect(response.body.server_time).toBeGreaterThanOrEqual(
          before - 1_000,
        );
        expect(response.body.server_time).toBeLessThanOrEqual(
          Date.now() + 1_000,
        );
      }
    });

    it('refuse a malformed timestamp or window with 400', async () => {
      const { signer, id } = await signedKey('sk-malformed');
      for (const options of [
        { timestamp: 'soon' },
        { timestamp: '1.7e12' },
        { timestamp: '-5' },
        { timestamp: '' },
        { recvWindow: '0' },
        { recvWindow: '60001' },
        { recvWindow: '5s' },
        { recvWindow: '-1' },
      ]) {
        const response = await me(signer, id, options);
        expect({
          options,
          status: response.status,
          code: response.body.code,
        }).toEqual({
          options,
          status: 400,
          code: 'validation_error',
        });
      }
    });

    it('refuse the same signature a second time with 401 signature_replayed', async () => {
      const { signer, id } = await signedKey('sk-replay');
      const headers = await signer.headers(id, 'GET', '/auth/me');
      expect((await send(api.url, 'GET', '/auth/me', { headers })).status).toBe(
        200,
      );
      const again = await send(api.url, 'GET', '/auth/me', { headers });
      expect(again).toEqual({
        status: 401,
        body: { error: expect.any(String), code: 'signature_replayed' },
        headers: expect.anything(),
      });
      // A new signature, even a millisecond later, is a new request.
      const fresh = await signer.headers(id, 'GET', '/auth/me', '', {
        timestamp: Number(headers['x-api-timestamp']) + 1,
      });
      expect(
        (await send(api.url, 'GET', '/auth/me', { headers: fresh })).status,
      ).toBe(200);
    });

    it('keep the allowlist and the revocation of the key', async () => {
      const { user, signer, id } = await signedKey('sk-pinned', 3, {
        ip_allowlist: ['127.0.0.1'],
      });
      expect((await me(signer, id)).status).toBe(200);
      const outside = await me(signer, id, { localAddress: '127.0.0.23' });
      expect(outside.status).toBe(403);
      expect(outside.body.code).toBe('ip_not_allowed');
      expect(
        (
          await api.request('DELETE', `/auth/api-keys/${id}`, {
            token: user.access_token,
          })
        ).status,
      ).toBe(204);
      const revoked = await me(signer, id);
      expect(revoked.status).toBe(401);
      expect(revoked.body.code).toBe('api_key_invalid');
    });

    it('open a WebSocket through a signed POST /auth/ws-ticket, no key material in the URL', async () => {
      const { signer, id } = await signedKey('sk-socket');
      const ticket = await sendSigned(
        api.url,
        signer,
        id,
        'POST',
        '/auth/ws-ticket',
      );
      expect(ticket.status).toBe(200);
      const socket = await WsClient.openUrl(
        `${api.wsUrl}/ws?ticket=${ticket.body.ticket}`,
      );
      try {
        const reply = await socket.request('whoami');
        expect(reply).toMatchObject({ event: 'whoami' });
      } finally {
        socket.close();
      }
    });
  });

  describe('the server clock', () => {
    it('GET /time is public and gives server_time in ms', async () => {
      const before = Date.now();
      const response = await api.get('/time');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ server_time: expect.any(Number) });
      expect(response.body.server_time).toBeGreaterThanOrEqual(before);
      expect(response.body.server_time).toBeLessThanOrEqual(Date.now());
      expect(response.headers.get('cache-control')).toBe('no-store');
    });
  });
});

describe.each(DRIVERS)(
  'signature replays across instances on $name',
  (driver) => {
    let db: TestDatabase;
    let redis: RedisServer;
    let a: ServerProcess;
    let b: ServerProcess;
    let alone: ServerProcess;

    beforeAll(async () => {
      db = await driver.create();
      redis = await RedisServer.start();
      const env = {
        DATABASE_URL: db.url,
        BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        ...ENV,
      };
      a = await ServerProcess.start({ ...env, REDIS_URL: redis.url });
      [b, alone] = await Promise.all([
        ServerProcess.start({ ...env, REDIS_URL: redis.url }),
        // The same database, no Redis: replays are checked by this instance alone.
        ServerProcess.start(env),
      ]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([a?.kill(), b?.kill(), alone?.kill()]);
      await redis?.kill();
      await db?.drop();
    });

    it('refuses on B a signature A accepted (Redis SET NX); an instance without Redis knows only its own', async () => {
      const admin = (
        await a.post('/auth/login', {
          username: ADMIN.username,
          password: ADMIN.password,
        })
      ).body.access_token;
      expect(
        (
          await a.post(
            '/admin/users',
            {
              username: 'sk-multi',
              password: 'password-of-sk-multi',
              permission_tier: 2,
            },
            admin,
          )
        ).status,
      ).toBe(201);
      const session = (
        await a.post('/auth/login', {
          username: 'sk-multi',
          password: 'password-of-sk-multi',
        })
      ).body.access_token;
      const signer = await Ed25519Signer.create();
      const created = await a.post(
        '/auth/api-keys',
        {
          name: 'multi',
          permission_tier: 2,
          type: 'ed25519',
          public_key: signer.publicKeyBase64,
          password: 'password-of-sk-multi',
        },
        session,
      );
      expect(created.status).toBe(201);
      const id: string = created.body.id;

      // A generous window: three processes on two busy cores.
      const headers = await signer.headers(id, 'GET', '/auth/me', '', {
        recvWindow: '30000',
      });
      const on = (server: ServerProcess) =>
        send(server.url, 'GET', '/auth/me', { headers });
      expect((await on(a)).status).toBe(200);
      const onB = await on(b);
      expect(onB.status).toBe(401);
      expect(onB.body.code).toBe('signature_replayed');
      expect((await on(a)).body.code).toBe('signature_replayed');
      // Documented: without Redis, an instance checks replays in its own memory only.
      expect((await on(alone)).status).toBe(200);
      expect((await on(alone)).body.code).toBe('signature_replayed');

      // One key in Redis per signature, expiring with its window.
      const client = redis.client();
      try {
        const keys = await client.keys('*api-key-sig:*');
        expect(keys).toHaveLength(1);
        const ttl = await client.pttl(keys[0]);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(31_000);
      } finally {
        client.disconnect();
      }
    });
  },
);
