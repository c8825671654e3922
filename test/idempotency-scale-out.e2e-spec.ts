import { randomBytes } from 'node:crypto';
import { DRIVERS, sql, TestDatabase } from './support/databases';
import { RedisServer } from './support/redis-server';
import { FIXTURE_SERVER, ServerProcess } from './support/server-process';
import { TcpProxy } from './support/tcp-proxy';
import { ADMIN, waitFor } from './support/test-app';

/**
 * @Idempotent() on two real instances (test/support/fixture-server.ts: the
 * server with the orders fixture) on one database, with keys in a private
 * Redis or in the database. The orders each instance placed are its own
 * count of handler runs: the sum over both is how often POST /orders ran.
 */
jest.setTimeout(180_000);

const ORDER = { symbol: 'ETHUSD', side: 'sell', quantity: 7 };

interface Answer {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  options: { token?: string; key?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(server.url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body, headers: response.headers };
}

const replayed = (answer: Answer) => answer.headers.get('idempotent-replayed');

/** Waits until every instance reports Redis as `up` (or as gone). */
async function redisSeenBy(cluster: Cluster, up: boolean): Promise<void> {
  await waitFor(
    async () => {
      const health = await Promise.all(
        cluster.servers.map((server) => call(server, 'GET', '/health')),
      );
      return health.every(
        (answer) => (answer.body?.redis === 'unavailable') === !up,
      );
    },
    20_000,
    100,
  );
}

interface Cluster {
  db: TestDatabase;
  redis?: RedisServer;
  proxy?: TcpProxy;
  servers: [ServerProcess, ServerProcess];
  token: string;
}

/** Two instances; on MySQL through a TCP proxy, so a test can cut the database. */
async function startCluster(
  db: TestDatabase,
  withRedis: boolean,
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  const redis = withRedis ? await RedisServer.start() : undefined;
  let url = db.url;
  let proxy: TcpProxy | undefined;
  if (url.startsWith('mysql:')) {
    const target = new URL(url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    url = target.toString();
  }
  const env: Record<string, string> = {
    DATABASE_URL: url,
    BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_IP_MAX: '100000',
    RATE_LIMIT_USER_MAX: '100000',
    // One key for both, so both compute the same request fingerprints.
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...extraEnv,
  };
  // The first runs the migrations; the second joins.
  const first = await ServerProcess.start(env, FIXTURE_SERVER);
  const second = await ServerProcess.start(env, FIXTURE_SERVER);
  const admin = await call(first, 'POST', '/auth/login', { body: ADMIN });
  const password = 'password-of-idem-cluster';
  const created = await call(first, 'POST', '/admin/users', {
    token: admin.body.access_token,
    body: { username: 'idem-cluster', password, permission_tier: 2 },
  });
  if (created.status !== 201)
    throw new Error(`creating the trader failed: ${created.text}`);
  const login = await call(second, 'POST', '/auth/login', {
    body: { username: 'idem-cluster', password },
  });
  return {
    db,
    redis,
    proxy,
    servers: [first, second],
    token: login.body.access_token,
  };
}

async function stopCluster(cluster: Cluster | undefined): Promise<void> {
  if (!cluster) return;
  await Promise.all(cluster.servers.map((server) => server.kill()));
  await cluster.redis?.kill();
  await cluster.proxy?.close();
}

/** Orders placed by the trader, over both instances (each keeps its own). */
async function placedOrders(cluster: Cluster): Promise<number> {
  const lists = await Promise.all(
    cluster.servers.map((server) =>
      call(server, 'GET', '/orders', { token: cluster.token }),
    ),
  );
  return lists.reduce((sum, list) => sum + list.body.orders.length, 0);
}

/** Rows of idempotency_records, read directly. */
async function tableRecords(db: TestDatabase): Promise<number> {
  const [row] = await sql(db, 'SELECT COUNT(*) AS n FROM idempotency_records');
  return Number(row.n);
}

/** Twenty requests with one key, alternating between the two instances. */
async function burst(cluster: Cluster, key: string): Promise<void> {
  const before = await placedOrders(cluster);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      call(cluster.servers[i % 2], 'POST', '/orders', {
        token: cluster.token,
        key,
        body: ORDER,
      }),
    ),
  );
  const originals = answers.filter(
    (a) => a.status === 201 && replayed(a) === null,
  );
  expect(originals).toHaveLength(1);
  for (const answer of answers) {
    if (answer === originals[0]) continue;
    if (answer.status === 409) {
      expect([answer.body.code, answer.headers.get('retry-after')]).toEqual([
        'idempotency_key_in_use',
        '1',
      ]);
    } else {
      expect([answer.status, replayed(answer), answer.text]).toEqual([
        201,
        'true',
        originals[0].text,
      ]);
    }
  }
  expect(await placedOrders(cluster)).toBe(before + 1);
  // Once done, either instance replays it.
  for (const server of cluster.servers) {
    const again = await call(server, 'POST', '/orders', {
      token: cluster.token,
      key,
      body: ORDER,
    });
    expect([again.status, replayed(again), again.text]).toEqual([
      201,
      'true',
      originals[0].text,
    ]);
  }
}

describe.each(DRIVERS)(
  '@Idempotent() across two instances on $name',
  (driver) => {
    describe('keys in the database (no REDIS_URL)', () => {
      let db: TestDatabase;
      let cluster: Cluster | undefined;
      beforeAll(async () => {
        db = await driver.create();
        cluster = await startCluster(db, false, {
          IDEMPOTENCY_IN_FLIGHT_SECONDS: '5',
        });
      });
      afterAll(async () => {
        await stopCluster(cluster);
        await db?.drop();
      });

      it('runs the handler once for twenty parallel requests split over both', async () => {
        await burst(cluster!, 'db-burst');
        expect(await tableRecords(db)).toBe(1);
      });

      // Last: it kills one of the two.
      it('frees the key of an instance killed mid-request once IDEMPOTENCY_IN_FLIGHT_SECONDS have passed', async () => {
        const [a, b] = cluster!.servers;
        const token = cluster!.token;
        const body = { delay_ms: 3_000, note: 'killed' };
        const send = (server: ServerProcess) =>
          call(server, 'POST', '/idempotency-probe', {
            token,
            key: 'killed-mid-request',
            body,
          });
        const runsOn = async (server: ServerProcess) =>
          (await call(server, 'GET', '/idempotency-probe/runs', { token })).body
            .runs as number;
        const doomed = send(a).catch(() => undefined);
        await waitFor(async () => (await runsOn(a)) === 1, 10_000, 20);
        await a.kill();
        await doomed;
        const held = await send(b);
        expect([held.status, held.body.code]).toEqual([
          409,
          'idempotency_key_in_use',
        ]);
        // A's mark lapses 5 s after it was set; B then runs the request.
        let answer = held;
        await waitFor(
          async () => {
            answer = await send(b);
            return answer.status !== 409;
          },
          15_000,
          250,
        );
        expect([answer.status, replayed(answer)]).toEqual([201, null]);
        expect(await runsOn(b)).toBe(1);
      });
    });

    describe('keys in Redis', () => {
      let db: TestDatabase;
      let cluster: Cluster | undefined;
      beforeAll(async () => {
        db = await driver.create();
        cluster = await startCluster(db, true);
      });
      afterAll(async () => {
        await stopCluster(cluster);
        await db?.drop();
      });

      const redisKeys = async (): Promise<number> => {
        const client = cluster!.redis!.client();
        try {
          return (await client.keys('*idem:*')).length;
        } finally {
          client.disconnect();
        }
      };

      it('runs the handler once for twenty parallel requests split over both, with nothing in the table', async () => {
        await burst(cluster!, 'redis-burst');
        expect(await redisKeys()).toBe(1);
        expect(await tableRecords(db)).toBe(0);
      });

      it('falls back to the database when Redis is killed mid-test, and back to Redis when it returns', async () => {
        const c = cluster!;
        await c.redis!.kill();
        await redisSeenBy(c, false);
        const first = await call(c.servers[0], 'POST', '/orders', {
          token: c.token,
          key: 'during-outage',
          body: ORDER,
        });
        expect([first.status, replayed(first)]).toEqual([201, null]);
        const fromOther = await call(c.servers[1], 'POST', '/orders', {
          token: c.token,
          key: 'during-outage',
          body: ORDER,
        });
        expect([fromOther.status, replayed(fromOther), fromOther.text]).toEqual(
          [201, 'true', first.text],
        );
        expect(await tableRecords(db)).toBe(1);
        await burst(c, 'outage-burst');
        expect(await tableRecords(db)).toBe(2);

        await c.redis!.restart();
        await redisSeenBy(c, true);
        await burst(c, 'redis-again-burst');
        expect(await redisKeys()).toBe(1);
        expect(await tableRecords(db)).toBe(2);
      });

      if (driver.name === 'mysql') {
        it('keeps working through Redis with the database cut, and answers 503 with neither, running nothing', async () => {
          const c = cluster!;
          c.proxy!.cut();
          try {
            await burst(c, 'database-cut-burst');
          } finally {
            c.proxy!.restore();
          }
          await c.redis!.kill();
          await redisSeenBy(c, false); // /health needs the database
          c.proxy!.cut();
          try {
            const before = await placedOrders(c);
            for (const server of c.servers) {
              const refused = await call(server, 'POST', '/orders', {
                token: c.token,
                key: 'nothing-up',
                body: ORDER,
              });
              expect([refused.status, refused.body]).toEqual([
                503,
                { error: expect.any(String), code: 'service_unavailable' },
              ]);
            }
            expect(await placedOrders(c)).toBe(before);
          } finally {
            c.proxy!.restore();
          }
        });
      }
    });
  },
);
