import { VerifiedTokenCache } from './verified-token-cache';

describe(VerifiedTokenCache.name, () => {
  it('returns a value until its expiry and not after', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set('t', 'claims', 1_000);
    expect(cache.get('t', 999)).toBe('claims');
    expect(cache.get('t', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest entry when full', () => {
    const cache = new VerifiedTokenCache<number>(2);
    cache.set('a', 1, 5_000);
    cache.set('b', 2, 5_000);
    cache.set('c', 3, 5_000);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('b', 0)).toBe(2);
    expect(cache.get('c', 0)).toBe(3);
    expect(cache.size).toBe(2);
  });
});
