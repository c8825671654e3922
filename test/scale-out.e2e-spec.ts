import { createConnection } from 'mysql2/promise';
import { DRIVERS, TestDatabase } from './support/databases';
import { RedisServer } from './support/redis-server';
import { freePort, ServerProcess } from './support/server-process';
import { TcpProxy } from './support/tcp-proxy';
import { ADMIN, waitFor } from './support/test-app';
import { WsClient } from './support/ws-client';

/**
 * Several instances on one database and one (private) Redis, as real
 * processes. The fast-path block polls the database only once a minute, so
 * anything that crosses instances within seconds there went through Redis;
 * the safety-net block polls at the default and shows what is left when
 * Redis is gone.
 */
jest.setTimeout(120_000);

interface Instances {
  db: TestDatabase;
  redis: RedisServer;
  proxy?: TcpProxy;
  servers: ServerProcess[];
}

/** The database URL the instances use: through a TCP proxy on MySQL, so a test can cut it. */
async function startInstances(
  db: TestDatabase,
  count: number,
  env: Record<string, string>,
): Promise<Instances> {
  const redis = await RedisServer.start();
  let url = db.url;
  let proxy: TcpProxy | undefined;
  if (url.startsWith('mysql:')) {
    const target = new URL(url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    url = target.toString();
  }
  const common = {
    DATABASE_URL: url,
    REDIS_URL: redis.url,
    BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    ...env,
  };
  // The first one runs the migrations and creates the admin; the rest join.
  const first = await ServerProcess.start(common);
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => ServerProcess.start(common)),
  );
  return { db, redis, proxy, servers: [first, ...rest] };
}

async function stopInstances(instances: Instances): Promise<void> {
  await Promise.all(instances.servers.map((server) => server.kill()));
  await instances.redis.kill();
  await instances.proxy?.close();
  await instances.db.drop();
}

async function login(
  server: ServerProcess,
  username: string,
  password: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const response = await server.post('/auth/login', { username, password });
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status}`);
  return response.body;
}

async function createUser(
  server: ServerProcess,
  username: string,
): Promise<{ id: number; password: string }> {
  const admin = await login(server, ADMIN.username, ADMIN.password);
  const password = `password-of-${username}`;
  const created = await server.post(
    '/admin/users',
    { username, password, permission_tier: 2 },
    admin.access_token,
  );
  if (created.status !== 201)
    throw new Error(`create failed: ${created.status}`);
  return { id: created.body.id, password };
}

const rejected = (server: ServerProcess, token: string) => async () =>
  (await server.get('/auth/me', token)).status === 401;

describe.each(DRIVERS)('several instances through Redis on $name', (driver) => {
  describe('fast path (database poll once a minute)', () => {
    let it3: Instances;
    let a: ServerProcess, b: ServerProcess, c: ServerProcess;

    beforeAll(async () => {
      it3 = await startInstances(await driver.create(), 3, {
        REVOCATION_SYNC_MS: '60000',
        WS_MAX_SOCKETS_PER_USER: '2',
      });
      [a, b, c] = it3.servers;
    });

    afterAll(() => stopInstances(it3));

    it('a logout on A is rejected on B and closes the socket on C, through Redis', async () => {
      const user = await createUser(a, 'fast-logout');
      const session = await login(a, 'fast-logout', user.password);
      // B has the token in its verified memo; C holds a socket with it.
      expect((await b.get('/auth/me', session.access_token)).status).toBe(200);
      const socket = await WsClient.open(c.wsUrl, session.access_token);

      expect(
        (await a.post('/auth/logout', undefined, session.access_token)).status,
      ).toBe(204);

      await waitFor(rejected(b, session.access_token), 5_000, 10);
      expect((await b.get('/auth/me', session.access_token)).body).toEqual({
        error: expect.any(String),
        code: 'token_revoked',
      });
      expect(await socket.closedWithin(5_000)).toMatchObject({
        code: 4002,
        reason: 'token_revoked',
      });
    });

    it('an admin disable on B closes the socket on C and stops the token on A', async () => {
      const user = await createUser(b, 'fast-disable');
      const session = await login(a, 'fast-disable', user.password);
      const socket = await WsClient.open(c.wsUrl, session.access_token);
      const admin = await login(b, ADMIN.username, ADMIN.password);

      const patched = await b.request('PATCH', `/admin/users/${user.id}`, {
        body: { disabled: true },
        token: admin.access_token,
      });
      expect(patched.status).toBe(200);

      expect(await socket.closedWithin(5_000)).toMatchObject({ code: 4002 });
      await waitFor(rejected(a, session.access_token), 5_000, 10);
    });

    it('a WebSocket ticket issued on A opens a socket on B, once', async () => {
      const user = await createUser(a, 'fast-ticket');
      const session = await login(a, 'fast-ticket', user.password);
      const issued = await a.post(
        '/auth/ws-ticket',
        undefined,
        session.access_token,
      );
      expect(issued.status).toBe(200);
      const url = `${b.wsUrl}/ws?ticket=${issued.body.ticket}`;
      const socket = await WsClient.openUrl(url);
      expect((await socket.request('whoami')).data.username).toBe(
        'fast-ticket',
      );
      await expect(
        WsClient.openUrl(`${c.wsUrl}/ws?ticket=${issued.body.ticket}`),
      ).rejects.toThrow('upgrade refused: 401');
      socket.close();
    });

    it('WS_MAX_SOCKETS_PER_USER counts the sockets a user holds on every instance', async () => {
      const user = await createUser(a, 'fast-sockets');
      const session = await login(a, 'fast-sockets', user.password);
      const onA = await WsClient.open(a.wsUrl, session.access_token);
      const onB = await WsClient.open(b.wsUrl, session.access_token);
      try {
        await expect(
          WsClient.open(c.wsUrl, session.access_token),
        ).rejects.toThrow('upgrade refused: 429');
        onA.close();
        await onA.closed;
        // The slot is given back when A sees the close.
        await waitFor(
          async () => {
            try {
              (await WsClient.open(c.wsUrl, session.access_token)).close();
              return true;
            } catch {
              return false;
            }
          },
          5_000,
          50,
        );
      } finally {
        onA.close();
        onB.close();
      }
    });

    it('after Redis is killed and restarted, revocations cross instances through it again', async () => {
      await it3.redis.kill();
      await waitFor(
        async () => (await a.get('/health')).body.status === 'degraded',
        10_000,
      );
      await it3.redis.restart();
      for (const server of [a, b])
        await waitFor(
          async () => (await server.get('/health')).body.status === 'ok',
          15_000,
          100,
        );
      // The subscriber reconnects on its own schedule; health reflects the command connection.
      const user = await createUser(a, 'fast-after-restart');
      await waitFor(
        async () => {
          const session = await login(a, 'fast-after-restart', user.password);
          expect((await b.get('/auth/me', session.access_token)).status).toBe(
            200,
          );
          await a.post('/auth/logout', undefined, session.access_token);
          try {
            await waitFor(rejected(b, session.access_token), 1_000, 10);
            return true;
          } catch {
            return false;
          }
        },
        15_000,
        100,
      );
    });

    if (driver.name === 'mysql') {
      it('with the database cut and Redis up, a logout answers 204, holds everywhere, and reaches the database later even if its instance dies', async () => {
        const user = await createUser(a, 'db-outage');
        const session = await login(a, 'db-outage', user.password);
        const socket = await WsClient.open(c.wsUrl, session.access_token);
        expect((await b.get('/auth/me', session.access_token)).status).toBe(
          200,
        );

        it3.proxy!.cut();
        try {
          expect(
            (await a.post('/auth/logout', undefined, session.access_token))
              .status,
          ).toBe(204);
          expect((await a.get('/auth/me', session.access_token)).status).toBe(
            401,
          );
          await waitFor(rejected(b, session.access_token), 5_000, 10);
          expect(await socket.closedWithin(5_000)).toMatchObject({
            code: 4002,
          });
          // A refresh needs the database (its session row, in a prepared
          // statement below TypeORM): 503, not 500.
          const refused = await b.post('/auth/refresh', {
            refresh_token: session.refresh_token,
          });
          expect(refused).toEqual({
            status: 503,
            body: { error: expect.any(String), code: 'service_unavailable' },
          });
          // The instance that took the logout dies before the database is back.
          await a.kill();
        } finally {
          it3.proxy!.restore();
        }

        const jti = JSON.parse(
          Buffer.from(
            session.access_token.split('.')[1],
            'base64url',
          ).toString(),
        ).jti as string;
        const direct = await createConnection(it3.db.url);
        try {
          await waitFor(
            async () => {
              const [rows] = await direct.query(
                'SELECT jti FROM blocklisted_jtis WHERE jti = ?',
                [jti],
              );
              return (rows as unknown[]).length === 1;
            },
            15_000,
            200,
          );
          const [sessions] = await direct.query(
            'SELECT revoked_at FROM refresh_tokens WHERE id = ?',
            [session.refresh_token.split('.')[0]],
          );
          expect(
            (sessions as { revoked_at: unknown }[])[0].revoked_at,
          ).not.toBeNull();
        } finally {
          await direct.end();
        }
        // A refresh through B is refused too: the session ended in the database.
        expect(
          (
            await b.post('/auth/refresh', {
              refresh_token: session.refresh_token,
            })
          ).status,
        ).toBe(401);
      });
    }
  });

  describe('safety net (Redis gone, database poll at the default)', () => {
    let it2: Instances;
    let a: ServerProcess, b: ServerProcess;

    beforeAll(async () => {
      it2 = await startInstances(await driver.create(), 2, {});
      [a, b] = it2.servers;
    });

    afterAll(() => stopInstances(it2));

    it('with Redis killed, no request fails and a logout on A is honoured on B through the database', async () => {
      const user = await createUser(a, 'no-redis');
      await it2.redis.kill();

      await waitFor(
        async () => (await a.get('/health')).body.status === 'degraded',
        5_000,
      );
      expect((await a.get('/health')).body).toEqual({
        status: 'degraded',
        redis: 'unavailable',
      });
      const session = await login(b, 'no-redis', user.password);
      expect((await a.get('/auth/me', session.access_token)).status).toBe(200);
      expect((await b.get('/auth/me', session.access_token)).status).toBe(200);
      expect(
        (
          await b.post('/auth/refresh', {
            refresh_token: session.refresh_token,
          })
        ).status,
      ).toBe(200);
      expect(
        (await a.post('/auth/logout', undefined, session.access_token)).status,
      ).toBe(204);
      await waitFor(rejected(b, session.access_token), 5_000, 50);

      await it2.redis.restart();
      await waitFor(
        async () => (await a.get('/health')).body.status === 'ok',
        15_000,
        100,
      );
    });
  });

  it('an instance starts without its Redis, warns once, serves, and joins Redis when it appears', async () => {
    const db = await driver.create();
    const port = await freePort();
    const server = await ServerProcess.start({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
    });
    let redis: RedisServer | undefined;
    try {
      expect((await server.get('/health')).body).toEqual({
        status: 'degraded',
        redis: 'unavailable',
      });
      const admin = await login(server, ADMIN.username, ADMIN.password);
      expect((await server.get('/auth/me', admin.access_token)).status).toBe(
        200,
      );
      expect(
        (await server.post('/auth/logout', undefined, admin.access_token))
          .status,
      ).toBe(204);
      // Several reconnection attempts have failed by now, on two connections.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const warnings = server
        .output()
        .split('\n')
        .filter((line) => /Redis (unavailable|lost)/.test(line));
      expect(warnings).toHaveLength(1);

      redis = await RedisServer.startOn(port);
      await waitFor(
        async () => (await server.get('/health')).body.status === 'ok',
        15_000,
        100,
      );
    } finally {
      await server.kill();
      await redis?.kill();
      await db.drop();
    }
  });
});
