import { ApiKeyMemo, MEMO_MAX_AGE_MS } from './api-key-memo';
import type { VerifiedKey } from './verified-key';

const invalid = (id: string, verifiedAtMs: number): VerifiedKey => ({
  valid: false,
  id,
  verifiedAtMs,
});

describe(ApiKeyMemo.name, () => {
  it('forgets a verdict once it is too old', () => {
    const memo = new ApiKeyMemo();
    memo.set(invalid('a', 1_000));
    expect(memo.get('a', 1_000 + MEMO_MAX_AGE_MS - 1)).toBeDefined();
    expect(memo.get('a', 1_000 + MEMO_MAX_AGE_MS)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('evicts the least recently verified when full', () => {
    const memo = new ApiKeyMemo(2);
    memo.set(invalid('a', 1));
    memo.set(invalid('b', 2));
    memo.set(invalid('a', 3)); // verified again: now the newest
    memo.set(invalid('c', 4));
    expect(memo.get('b', 5)).toBeUndefined();
    expect(memo.get('a', 5)).toBeDefined();
    expect(memo.get('c', 5)).toBeDefined();
  });
});
