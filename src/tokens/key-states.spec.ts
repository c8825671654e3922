import { keyStates, KeyInstants, rotationDue } from './key-states';

const key = (
  slot: number,
  activatedAt: number,
  extra: Partial<KeyInstants> = {},
): KeyInstants => ({
  slot,
  alg: 'ES256',
  activatedAt,
  retiredAt: null,
  revokedAt: null,
  ...extra,
});

const policy = { alg: 'ES256', lifetimeMs: 1000, leadMs: 100 };

describe(keyStates.name, () => {
  it('names next, current, previous and retired keys from their instants', () => {
    const retired = key(1, 0, { retiredAt: 500 });
    const previous = key(2, 400, { retiredAt: 2000 });
    const current = key(3, 900);
    const next = key(4, 1500);
    const states = keyStates([next, current, retired, previous], 1000);
    expect([...states.entries()].map(([k, s]) => [k.slot, s])).toEqual([
      [1, 'retired'],
      [2, 'previous'],
      [3, 'current'],
      [4, 'next'],
    ]);
  });

  it('retires a revoked key at once, and the key before it does not sign again', () => {
    const older = key(1, 0, { retiredAt: 5000 });
    const revoked = key(2, 500, { revokedAt: 900 });
    const states = keyStates([older, revoked], 1000);
    expect(states.get(revoked)).toBe('retired');
    expect(states.get(older)).toBe('previous');
    const replacement = key(3, 950);
    expect(
      keyStates([older, revoked, replacement], 1000).get(replacement),
    ).toBe('current');
  });

  it('has no current key when every key is revoked', () => {
    const states = keyStates([key(1, 0, { revokedAt: 1 })], 1000);
    expect([...states.values()]).toEqual(['retired']);
  });
});

describe(rotationDue.name, () => {
  it('is due with no key, or when the current key of the wrong algorithm', () => {
    expect(rotationDue([], 0, policy)).toBe(true);
    expect(rotationDue([key(1, 0, { alg: 'EdDSA' })], 10, policy)).toBe(true);
  });

  it('is due one lead before the end of the current key’s lifetime, not earlier', () => {
    expect(rotationDue([key(1, 0)], 899, policy)).toBe(false);
    expect(rotationDue([key(1, 0)], 900, policy)).toBe(true);
  });

  it('is never due while a next key waits', () => {
    expect(rotationDue([key(1, 0), key(2, 5000)], 4000, policy)).toBe(false);
  });
});
