import Redis from 'ioredis';
import { RedisRateLimitStore } from '../src/rate-limit/store/redis-rate-limit.store';
import { DRIVERS, TestDatabase } from './support/databases';
import { FromResponse, parseRateLimit, requestFrom } from './support/http-from';
import { RedisServer } from './support/redis-server';
import { ServerProcess } from './support/server-process';
import { ADMIN, waitFor } from './support/test-app';

const IP_MAX = 5;
/** RedisService's one warning per outage, which names the rate limits' fallback. */
const FALLBACK_WARNING = 'falls back to its own rate-limit counters';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

// Real processes, one database, one private redis-server the test kills and restarts.
describe.each(DRIVERS)(
  'rate limits shared through Redis on $name',
  (driver) => {
    let db: TestDatabase;
    let redis: RedisServer;
    let a: ServerProcess;
    let b: ServerProcess;
    /** Each check uses addresses of its own, so counters never carry over. */
    let nextProbe = 1;

    beforeAll(async () => {
      db = await driver.create();
      redis = await RedisServer.start();
      const env = {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `e2e-${process.pid}:`,
        RATE_LIMIT_IP_MAX: String(IP_MAX),
        RATE_LIMIT_USER_MAX: '1000',
        // Failed logins: 3 per address and per account, shared too.
        RATE_LIMIT_LOGIN_MAX: '3',
        BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
      };
      // One after the other: the first runs the migrations.
      a = await ServerProcess.start(env);
      b = await ServerProcess.start(env);
    }, 60_000);

    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await redis?.kill();
      await db?.drop();
    });

    /** A write that needs no password hash: a refresh with a token that is not one (401, charged to the address only). */
    function write(server: ServerProcess, from: string): Promise<FromResponse> {
      return requestFrom(from, `${server.url}/auth/refresh`, {
        body: { refresh_token: 'not-a-refresh-token' },
      });
    }

    /** Waits until a write on A shows in the budget B reports: both count in Redis. */
    async function waitUntilShared(): Promise<void> {
      await waitFor(
        async () => {
          const from = `127.0.1.${nextProbe++}`;
          await write(a, from);
          const seenByB = parseRateLimit(
            (await write(b, from)).headers.ratelimit,
          );
          return seenByB?.r === IP_MAX - 2;
        },
        20_000,
        200,
      );
    }

    it('RATE_LIMIT_IP_MAX=5 spread over A and B: the 6th write from one address gets 429', async () => {
      await waitUntilShared();
      const from = '127.0.0.90';
      const remaining: number[] = [];
      for (const server of [a, b, a, b, a]) {
        const response = await write(server, from);
        expect(response.status).toBe(401);
        remaining.push(parseRateLimit(response.headers.ratelimit)!.r);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const sixth = await write(b, from);
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('rate_limited');
      expect((await write(a, from)).status).toBe(429);
    });

    it('gives a successful login its failed-login slots back in Redis', async () => {
      await waitUntilShared();
      // Five logins from one address over both instances: past the shared
      // failed-login budget of 3 only because each success was refunded.
      for (const server of [a, b, a, b, a])
        expect(
          (
            await requestFrom('127.0.0.95', `${server.url}/auth/login`, {
              body: ADMIN,
            })
          ).status,
        ).toBe(200);
      const admin = (
        await requestFrom('127.0.0.98', `${a.url}/auth/login`, { body: ADMIN })
      ).body.access_token as string;
      const trader = {
        username: 'shared-trader',
        password: 'trader-password-1',
      };
      expect(
        (
          await requestFrom('127.0.0.98', `${a.url}/admin/users`, {
            token: admin,
            body: { ...trader, permission_tier: 2 },
          })
        ).status,
      ).toBe(201);
      for (const [server, from] of [
        [b, '127.0.0.101'],
        [a, '127.0.0.102'],
        [b, '127.0.0.103'],
      ] as const)
        expect(
          (
            await requestFrom(from, `${server.url}/auth/login`, {
              body: { ...trader, password: 'wrong-password' },
            })
          ).status,
        ).toBe(401);
      const locked = await requestFrom('127.0.0.97', `${a.url}/auth/login`, {
        body: trader,
      });
      expect(locked.status).toBe(429);
      expect(parseRateLimit(locked.headers.ratelimit)?.name).toBe('login-user');
    });

    it('Redis killed: no request fails, limits hold per instance; restarted: global again', async () => {
      await waitUntilShared();
      const session = await requestFrom('127.0.0.93', `${a.url}/auth/login`, {
        body: ADMIN,
      });
      expect(session.status).toBe(200);

      await redis.kill();
      const from = '127.0.0.91';
      for (const server of [a, b]) {
        for (let i = 0; i < IP_MAX; i++)
          expect((await write(server, from)).status).toBe(401);
        expect((await write(server, from)).status).toBe(429);
        // Logins (budgets reserved and refunded in process) and reads still work.
        expect(
          (
            await requestFrom('127.0.0.94', `${server.url}/auth/login`, {
              body: ADMIN,
            })
          ).status,
        ).toBe(200);
        expect(
          (await server.get('/auth/me', session.body.access_token)).status,
        ).toBe(200);
      }
      for (const server of [a, b])
        expect(count(server.output(), FALLBACK_WARNING)).toBe(1);

      await redis.restart();
      await waitUntilShared();
      const after = '127.0.0.92';
      for (const server of [a, b, a, b, a])
        expect((await write(server, after)).status).toBe(401);
      expect((await write(b, after)).status).toBe(429);
    });
  },
);

describe(RedisRateLimitStore.name, () => {
  let redis: RedisServer;
  let client: Redis;
  let store: RedisRateLimitStore;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    store = new RedisRateLimitStore(client, (name) => `unit:${name}`);
  });

  afterAll(async () => {
    await client.quit();
    await redis.kill();
  });

  it('counts atomically up to the limit, refuses without counting, and expires with the window', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.hit('k', 5, 60_000)),
    );
    expect(results.filter((r) => !r.blocked)).toHaveLength(5);
    expect(results.filter((r) => r.blocked)).toHaveLength(3);
    expect(Number(await client.get('unit:rl:k'))).toBe(5);
    const ttl = await client.pttl('unit:rl:k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    for (const r of results) expect(r.resetMs).toBeLessThanOrEqual(60_000);

    const short = await store.hit('short', 5, 50);
    expect(short.count).toBe(1);
    await waitFor(
      async () => (await client.exists('unit:rl:short')) === 0,
      5_000,
    );
  });

  it('gives refunded slots back without going below zero', async () => {
    const first = await store.hit('r', 2, 60_000);
    await store.hit('r', 2, 60_000);
    expect((await store.hit('r', 2, 60_000)).blocked).toBe(true);
    await first.refund();
    expect((await store.hit('r', 2, 60_000)).blocked).toBe(false);
    await client.del('unit:rl:r');
    await first.refund();
    expect(await client.get('unit:rl:r')).toBeNull();
  });
});
