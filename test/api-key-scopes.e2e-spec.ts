import { DRIVERS, TestDatabase } from './support/databases';
import { OrdersModule } from './fixtures/orders.module';
import { UndeclaredScopeModule } from './fixtures/undeclared-scope.module';
import { Ed25519Signer, send, sendSigned } from './support/ed25519-signer';
import { TestApp, waitFor } from './support/test-app';
import { WsClient } from './support/ws-client';

jest.setTimeout(60_000);

const DAY_SECONDS = 86_400;

describe.each(DRIVERS)('API key scopes on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let power: { id: number; access_token: string };

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(
      db,
      { RATE_LIMIT_API_KEY_FAILURES_MAX: '100000' },
      [OrdersModule, UndeclaredScopeModule],
    );
    power = await api.createUser('sc-power', 3);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A key of sc-power (tier 3, so pinned to 127.0.0.1 unless `body` says otherwise). */
  async function key(body: Record<string, unknown> = {}) {
    const response = await api.post(
      '/auth/api-keys',
      {
        name: 'bot',
        permission_tier: 3,
        ip_allowlist: ['127.0.0.1'],
        password: 'password-of-sc-power',
        ...body,
      },
      power.access_token,
    );
    return response;
  }

  async function keyOf(scopes?: string[]): Promise<string> {
    const response = await key(scopes === undefined ? {} : { scopes });
    expect(response.status).toBe(201);
    return response.body.key as string;
  }

  const withKey = (apiKey: string, method: string, path: string) =>
    send(api.url, method, path, {
      headers: { 'x-api-key': apiKey },
      body: method === 'GET' ? undefined : '{}',
    });

  describe('granting', () => {
    it('gives a new key ["read"] unless asked, and keeps scopes once each, in one order', async () => {
      const plain = await key();
      expect(plain.status).toBe(201);
      expect(plain.body.scopes).toEqual(['read']);
      const asked = await key({ scopes: ['trade', 'read', 'trade'] });
      expect(asked.status).toBe(201);
      expect(asked.body.scopes).toEqual(['read', 'trade']);
      const list = await api.get('/auth/api-keys', power.access_token);
      expect(
        list.body.items.find(
          (item: { id: string }) => item.id === asked.body.id,
        ).scopes,
      ).toEqual(['read', 'trade']);
    });

    it('refuses unknown and malformed scopes with 400', async () => {
      for (const scopes of [
        ['withdraw'],
        [],
        null,
        'read',
        [1],
        [['read']],
        [{}],
        ['read', 'read', 'read', 'read', 'read'],
      ]) {
        const response = await key({ scopes });
        expect({
          scopes,
          status: response.status,
          code: response.body.code,
        }).toEqual({
          scopes,
          status: 400,
          code: 'validation_error',
        });
      }
    });

    it('refuses "transfer" without an ip_allowlist, and takes it with one', async () => {
      const user = await api.createUser('sc-transfer', 2);
      const body = {
        name: 'mover',
        permission_tier: 2,
        scopes: ['read', 'transfer'],
        password: 'password-of-sc-transfer',
      };
      const unpinned = await api.post(
        '/auth/api-keys',
        body,
        user.access_token,
      );
      expect(unpinned.status).toBe(400);
      expect(unpinned.body).toEqual({
        error: 'A key with the "transfer" scope needs an ip_allowlist',
        code: 'validation_error',
      });
      const pinned = await api.post(
        '/auth/api-keys',
        { ...body, ip_allowlist: ['127.0.0.1'] },
        user.access_token,
      );
      expect(pinned.status).toBe(201);
      expect(pinned.body.scopes).toEqual(['read', 'transfer']);
    });

    it('lets an unpinned "trade" key live 90 days at most, and gives it that when no expiry is asked', async () => {
      const user = await api.createUser('sc-unpinned', 2);
      const create = (extra: Record<string, unknown>) =>
        api.post(
          '/auth/api-keys',
          {
            name: 'trader bot',
            permission_tier: 2,
            scopes: ['read', 'trade'],
            password: 'password-of-sc-unpinned',
            ...extra,
          },
          user.access_token,
        );
      const defaulted = await create({});
      expect(defaulted.status).toBe(201);
      expect(defaulted.body.expires_at).toBe(
        defaulted.body.created_at + 90 * DAY_SECONDS,
      );
      const asked = await create({ expires_in_days: 90 });
      expect(asked.status).toBe(201);
      const tooLong = await create({ expires_in_days: 91 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error).toMatch(
        /"trade" scope and no ip_allowlist expires within 90 days/,
      );
      // Pinned, or without trade, a key may live as long as asked, or forever.
      const pinned = await create({ ip_allowlist: ['127.0.0.1'] });
      expect(pinned.status).toBe(201);
      expect(pinned.body.expires_at).toBeNull();
      const reader = await create({ scopes: ['read'], expires_in_days: 3650 });
      expect(reader.status).toBe(201);
    });

    it('records the scopes in the audit event of the creation', async () => {
      const created = await key({ scopes: ['read', 'trade'] });
      expect(created.status).toBe(201);
      const admin = await api.adminToken();
      let detail: unknown;
      await waitFor(async () => {
        const audit = await api.get(
          `/admin/audit?type=api_key_created&user_id=${power.id}`,
          admin,
        );
        detail = audit.body.items.find(
          (item: { detail: { key_id: string } }) =>
            item.detail.key_id === created.body.id,
        )?.detail;
        return detail !== undefined;
      }, 5_000);
      expect(detail).toEqual({
        key_id: created.body.id,
        permission_tier: 3,
        key_type: 'secret',
        scopes: ['read', 'trade'],
      });
    });
  });

  describe('using', () => {
    it('holds a read-only key to reads: the route that declares "trade" answers 403 insufficient_scope', async () => {
      const reader = await keyOf();
      expect((await withKey(reader, 'GET', '/orders')).status).toBe(200);
      const write = await withKey(reader, 'POST', '/orders/bulk-cancel');
      expect(write.status).toBe(403);
      expect(write.body).toEqual({
        error:
          'This API key lacks the "trade" scope; create a key with scopes including "trade"',
        code: 'insufficient_scope',
      });
      const trader = await keyOf(['read', 'trade']);
      expect(
        await withKey(trader, 'POST', '/orders/bulk-cancel'),
      ).toMatchObject({
        status: 201,
        body: { cancelled: 0 },
      });
    });

    it('needs the very scope: a trade-only key cannot read', async () => {
      const tradeOnly = await keyOf(['trade']);
      expect(
        (await withKey(tradeOnly, 'POST', '/orders/bulk-cancel')).status,
      ).toBe(201);
      const read = await withKey(tradeOnly, 'GET', '/orders');
      expect(read.status).toBe(403);
      expect(read.body.code).toBe('insufficient_scope');
    });

    it('is deny-by-default where a route declares nothing: a GET needs read, a write takes no key at all', async () => {
      const everything = await keyOf([
        'read',
        'trade',
        'transfer',
        'introspect',
      ]);
      expect(await withKey(everything, 'GET', '/undeclared')).toMatchObject({
        status: 200,
        body: { read: true },
      });
      const write = await withKey(everything, 'POST', '/undeclared');
      expect(write.status).toBe(403);
      expect(write.body.code).toBe('insufficient_scope');
      const tradeOnly = await keyOf(['trade']);
      expect((await withKey(tradeOnly, 'GET', '/undeclared')).body.code).toBe(
        'insufficient_scope',
      );
    });

    it('lets a session pass every scope, its tier still governing', async () => {
      expect(
        (await api.post('/orders/bulk-cancel', {}, power.access_token)).status,
      ).toBe(201);
      expect(
        (await api.post('/undeclared', {}, power.access_token)).status,
      ).toBe(201);
      const trader = await api.createUser('sc-trader', 2);
      const tier = await api.post(
        '/orders/bulk-cancel',
        {},
        trader.access_token,
      );
      expect(tier.body.code).toBe('insufficient_tier');
    });

    it('composes with @RequireTier: a tier-2 key with "trade" is still below the Power route', async () => {
      const user = await api.createUser('sc-low', 2);
      const created = await api.post(
        '/auth/api-keys',
        {
          name: 'low',
          permission_tier: 2,
          scopes: ['read', 'trade'],
          ip_allowlist: ['127.0.0.1'],
          password: 'password-of-sc-low',
        },
        user.access_token,
      );
      expect(created.status).toBe(201);
      const response = await withKey(
        created.body.key,
        'POST',
        '/orders/bulk-cancel',
      );
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('insufficient_tier');
    });

    it('holds signed keys to their scopes too', async () => {
      const signer = await Ed25519Signer.create();
      const created = await key({
        type: 'ed25519',
        public_key: signer.publicKeyBase64,
        scopes: ['read', 'trade'],
      });
      expect(created.status).toBe(201);
      expect(created.body.scopes).toEqual(['read', 'trade']);
      const done = await sendSigned(
        api.url,
        signer,
        created.body.id,
        'POST',
        '/orders/bulk-cancel',
        {
          body: '{}',
        },
      );
      expect(done.status).toBe(201);
      const undeclared = await sendSigned(
        api.url,
        signer,
        created.body.id,
        'POST',
        '/undeclared',
        {
          body: '{}',
        },
      );
      expect(undeclared.body.code).toBe('insufficient_scope');
    });

    it('holds the messages of a socket opened with a key to its scopes; a session socket sends all', async () => {
      const socketOf = async (headers: Record<string, string>) => {
        const ticket = await send(api.url, 'POST', '/auth/ws-ticket', {
          headers,
        });
        expect(ticket.status).toBe(200);
        return WsClient.openUrl(
          `${api.wsUrl}/ws-desk?ticket=${ticket.body.ticket}`,
        );
      };
      const reader = await socketOf({ 'x-api-key': await keyOf() });
      const trader = await socketOf({
        'x-api-key': await keyOf(['read', 'trade']),
      });
      const session = await socketOf({
        authorization: `Bearer ${power.access_token}`,
      });
      try {
        expect(await reader.request('peek')).toEqual({
          event: 'peek',
          data: { book: [] },
        });
        expect(await reader.request('place')).toEqual({
          event: 'error',
          data: { error: expect.any(String), code: 'insufficient_scope' },
        });
        expect(await trader.request('place')).toEqual({
          event: 'place',
          data: { placed: true },
        });
        expect(await session.request('place')).toEqual({
          event: 'place',
          data: { placed: true },
        });
      } finally {
        for (const socket of [reader, trader, session]) socket.close();
      }
    });
  });
});
