import { Logger } from '@nestjs/common';
import { FallbackRateLimitStore } from './fallback-rate-limit.store';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { Charge, RateLimitStore } from './rate-limit-store';

/** Stands in for Redis: answers like the memory store, or rejects when "down". */
class FlakyStore implements RateLimitStore {
  down = false;
  readonly counters = new MemoryRateLimitStore();
  hit(key: string, limit: number, windowMs: number): Promise<Charge> {
    return this.down
      ? Promise.reject(new Error('Connection is closed.'))
      : this.counters.hit(key, limit, windowMs);
  }
}

describe(FallbackRateLimitStore.name, () => {
  let warn: jest.SpyInstance;
  const fallbackNotes = () =>
    warn.mock.calls.filter(([message]) =>
      String(message).includes('counting per instance'),
    ).length;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'debug').mockImplementation();
    jest.spyOn(Logger.prototype, 'log').mockImplementation();
  });
  afterEach(() => jest.restoreAllMocks());

  function setUp() {
    const ready: Array<() => void> = [];
    const redis = {
      configured: true,
      available: true,
      onCommandsReady: (listener: () => void) => ready.push(listener),
    };
    const shared = new FlakyStore();
    const local = new MemoryRateLimitStore();
    const store = new FallbackRateLimitStore(redis, shared, local);
    return {
      redis,
      shared,
      local,
      store,
      reconnect: () => ready.forEach((l) => l()),
    };
  }

  it('counts in Redis while it answers', async () => {
    const { store, shared, local } = setUp();
    await store.hit('k', 5, 60_000);
    expect(shared.counters.size).toBe(1);
    expect(local.size).toBe(0);
  });

  it('falls back to this process when a command fails or Redis is away, noting it once per outage', async () => {
    const { store, shared, local, redis, reconnect } = setUp();
    shared.down = true;
    for (let i = 1; i <= 3; i++)
      expect(await store.hit('k', 5, 60_000)).toMatchObject({ count: i });
    redis.available = false;
    expect(await store.hit('k', 5, 60_000)).toMatchObject({ count: 4 });
    expect(local.size).toBe(1);
    expect(fallbackNotes()).toBe(1);

    shared.down = false;
    redis.available = true;
    reconnect();
    expect(await store.hit('k', 5, 60_000)).toMatchObject({ count: 1 });
    shared.down = true;
    await store.hit('k', 5, 60_000);
    expect(fallbackNotes()).toBe(2);
  });

  it('counts in this process alone without REDIS_URL, silently', async () => {
    const local = new MemoryRateLimitStore();
    const store = new FallbackRateLimitStore(
      { configured: false, available: false, onCommandsReady: () => undefined },
      undefined,
      local,
    );
    await store.hit('k', 5, 60_000);
    expect(local.size).toBe(1);
    expect(fallbackNotes()).toBe(0);
  });
});
