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

describe(`${VerifiedTokenCache.name}, tokens that share their last characters`, () => {
  const ending = 'S'.repeat(16);
  const first = `header.first-payload.${ending}`;
  const second = `header.other-payload.${ending}`;

  it('never answers a token with the value of another one', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(first, 'first', 5_000);
    expect(cache.get(second, 0)).toBeUndefined();
    expect(cache.get(first, 0)).toBe('first');
  });

  it('lets the later one take the place, as an eviction would', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(first, 'first', 5_000);
    cache.set(second, 'second', 5_000);
    expect(cache.get(first, 0)).toBeUndefined();
    expect(cache.get(second, 0)).toBe('second');
    expect(cache.size).toBe(1);
  });

  it('finds a token by content, whatever string it arrived in', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(first, 'first', 5_000);
    const header = `Bearer ${first}`;
    expect(cache.get(header.slice(7), 0)).toBe('first');
  });
});
