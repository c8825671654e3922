import { randomBytes } from 'node:crypto';
import {
  isAncestor,
  parseRefreshToken,
  rotationKey,
  sameHash,
  successorSecret,
} from './refresh-token-secret';
import { sha256Hex } from '../../common/sha256';

const key = rotationKey('a-signing-secret-that-is-long-enough-123');

describe('refresh-token-secret', () => {
  const secret = randomBytes(32).toString('base64url');

  it('derives the same successor every time, in the token format', () => {
    const successor = successorSecret(key, secret);
    expect(successor).toBe(successorSecret(key, secret));
    expect(successor).not.toBe(secret);
    expect(parseRefreshToken(`${'a'.repeat(22)}.${successor}`)).toEqual({
      sessionId: 'a'.repeat(22),
      secret: successor,
    });
  });

  it('derives a different successor under another key', () => {
    const other = rotationKey('another-signing-secret-long-enough-456');
    expect(successorSecret(other, secret)).not.toBe(
      successorSecret(key, secret),
    );
  });

  it('refuses malformed tokens', () => {
    for (const token of ['', 'abc', `${'a'.repeat(22)}.short`, 'x'.repeat(66)])
      expect(parseRefreshToken(token)).toBeUndefined();
  });

  it('compares hashes and tells ancestors from strangers', () => {
    const first = successorSecret(key, secret);
    const second = successorSecret(key, first);
    const third = successorSecret(key, second);
    expect(sameHash(sha256Hex(third), sha256Hex(third))).toBe(true);
    expect(sameHash(null, sha256Hex(third))).toBe(false);
    expect(isAncestor(key, secret, sha256Hex(third), 3)).toBe(true);
    expect(isAncestor(key, secret, sha256Hex(third), 2)).toBe(false);
    const stranger = randomBytes(32).toString('base64url');
    expect(isAncestor(key, stranger, sha256Hex(third), 3)).toBe(false);
  });
});
