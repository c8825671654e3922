import { ExpiringSet } from './expiring-set';

describe(ExpiringSet.name, () => {
  it('holds members until after they expire', () => {
    const set = new ExpiringSet();
    set.add('a', 100_000);
    set.add('b', 500_000);
    expect(set.sweep(99_999)).toBe(0);
    expect(set.has('a')).toBe(true);
    expect(set.sweep(200_000)).toBe(1);
    expect(set.has('a')).toBe(false);
    expect(set.has('b')).toBe(true);
    expect(set.size).toBe(1);
  });

  it('does not add a member twice', () => {
    const set = new ExpiringSet();
    expect(set.add('a', 1_000)).toBe(true);
    expect(set.add('a', 9_000)).toBe(false);
    expect(set.size).toBe(1);
  });

  it('never sweeps a member before its expiry', () => {
    const set = new ExpiringSet();
    set.add('x', 61_000);
    set.sweep(60_999);
    expect(set.has('x')).toBe(true);
  });
});
