import { nestsDeeperThan } from './nesting-depth';

describe(nestsDeeperThan.name, () => {
  const nested = (levels: number): unknown =>
    JSON.parse('['.repeat(levels) + ']'.repeat(levels));

  it('counts each array or object level', () => {
    expect(nestsDeeperThan({ a: 1 }, 1)).toBe(false);
    expect(nestsDeeperThan({ a: { b: 1 } }, 1)).toBe(true);
    expect(nestsDeeperThan(nested(3), 3)).toBe(false);
    expect(nestsDeeperThan(nested(4), 3)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });

  it('handles 100,000 levels without recursion', () => {
    expect(nestsDeeperThan(nested(100_000), 32)).toBe(true);
  });
});
