import { randomToken } from './random-token';

describe(randomToken.name, () => {
  it('encodes the requested number of bytes as base64url', () => {
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(randomToken(48), 'base64url')).toHaveLength(48);
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 40,000 × 16 bytes: about 156 refills of the 4 KB pool, and token
    // boundaries that do not line up with the pool's (4096 is no multiple of 24).
    for (let i = 0; i < 20_000; i++) {
      seen.add(randomToken(16));
      seen.add(randomToken(8));
    }
    expect(seen.size).toBe(40_000);
  });

  it('takes larger requests than the pool straight from the CSPRNG', () => {
    const big = Buffer.from(randomToken(5000), 'base64url');
    expect(big).toHaveLength(5000);
    expect(big.some((byte) => byte !== 0)).toBe(true);
  });
});
