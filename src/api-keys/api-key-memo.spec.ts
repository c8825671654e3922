import {
  ApiKeyMemo,
  MEMO_MAX_AGE_MS,
  UNKNOWN_MAX_AGE_MS,
  UnknownKeyIds,
} from './api-key-memo';
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

describe(UnknownKeyIds.name, () => {
  it('forgets an unknown id once it is too old', () => {
    const unknown = new UnknownKeyIds();
    unknown.add('a', 1_000);
    expect(unknown.has('a', 1_000 + UNKNOWN_MAX_AGE_MS - 1)).toBe(true);
    expect(unknown.has('a', 1_000 + UNKNOWN_MAX_AGE_MS)).toBe(false);
    expect(unknown.size).toBe(0);
  });

  it('holds at most its bound, dropping the oldest', () => {
    const unknown = new UnknownKeyIds(3);
    for (let i = 0; i < 1_000; i++) unknown.add(`id-${i}`, i);
    expect(unknown.size).toBe(3);
    expect(unknown.has('id-996', 1_000)).toBe(false);
    expect(unknown.has('id-997', 1_000)).toBe(true);
    expect(unknown.has('id-999', 1_000)).toBe(true);
  });
});
