import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryRateLimitStore } from './memory-rate-limit.store';

// A full collection before each heap reading, so only what is retained counts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe(MemoryRateLimitStore.name, () => {
  let now: number;
  let store: MemoryRateLimitStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryRateLimitStore(1_000, () => now);
  });

  it('counts up to the limit, then refuses without counting until the window resets', async () => {
    for (let i = 1; i <= 3; i++)
      expect(await store.hit('k', 3, 10_000)).toMatchObject({
        count: i,
        remaining: 3 - i,
        blocked: false,
        resetMs: 10_000,
      });
    now += 2_500;
    expect(await store.hit('k', 3, 10_000)).toMatchObject({
      blocked: true,
      remaining: 0,
      resetMs: 7_500,
    });
    now += 7_500;
    expect(await store.hit('k', 3, 10_000)).toMatchObject({
      count: 1,
      blocked: false,
    });
  });

  it('gives a refunded slot back, once, and only to the window that counted it', async () => {
    const first = await store.hit('k', 2, 10_000);
    await store.hit('k', 2, 10_000);
    await first.refund();
    await first.refund();
    expect(await store.hit('k', 2, 10_000)).toMatchObject({ count: 2 });
    const old = await store.hit('j', 5, 1_000);
    now += 1_000;
    await store.hit('j', 5, 1_000);
    await old.refund();
    expect(await store.hit('j', 5, 1_000)).toMatchObject({ count: 2 });
  });

  it('forgets windows that have ended', async () => {
    await store.hit('k', 5, 1_000);
    store.sweep(now + 1_000);
    expect(store.size).toBe(0);
  });

  it('keeps a counter hit at least once per half its cap of new counters', () => {
    const flood = (every: number): number => {
      const capped = new MemoryRateLimitStore(100, () => now);
      let count = 0;
      for (let i = 0; i < 10_000; i++) {
        capped.hitNow(`attacker-${i}`, 5, 60_000);
        if (i % every === 0)
          count = capped.hitNow('victim', 1_000_000, 60_000).count;
      }
      return count;
    };
    // 49 new counters between hits: never evicted, so all 205 hits counted.
    expect(flood(49)).toBe(Math.ceil(10_000 / 49));
    // Hit every 50, it is not moved at 50 (not past half) and is evicted at
    // 99, before its next hit: an exact LRU would have kept it.
    expect(flood(50)).toBeLessThan(Math.ceil(10_000 / 50));
  });

  it('stays within its cap under a million distinct keys, evicting the least recently used', () => {
    const capped = new MemoryRateLimitStore(10_000, () => now);
    const heapBefore = retainedHeap();
    for (let i = 0; i < 1_000_000; i++) {
      capped.hitNow(`attacker-${i}`, 5, 60_000);
      if (i % 1000 === 0) capped.hitNow('victim', 1_000_000, 60_000);
    }
    expect(capped.size).toBe(10_000);
    // Kept fresh by its own use, the busy counter survived the flood.
    expect(capped.hitNow('victim', 1_000_000, 60_000).count).toBe(1_001);
    // 10,000 counters are a few MB; a million without the cap would be well over 100.
    expect(retainedHeap() - heapBefore).toBeLessThan(16 * 1024 * 1024);
  });
});
