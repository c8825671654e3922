import { randomBytes } from 'node:crypto';
import {
  ancestryKey,
  generationProof,
  parseRefreshToken,
  provenGeneration,
  rotationKey,
  sameHash,
  successorSecret,
} from './refresh-token-secret';
import { sha256Hex } from '../../common/sha256';

const SIGNING_SECRET = 'a-signing-secret-that-is-long-enough-123';

const key = rotationKey(SIGNING_SECRET);
const proofKey = ancestryKey(SIGNING_SECRET);
const SESSION_ID = 'a'.repeat(22);

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
    for (const token of [
      '',
      'abc',
      `${SESSION_ID}.short`,
      'x'.repeat(66),
      `${SESSION_ID}.${secret}.`,
      `${SESSION_ID}.${secret}.${'p'.repeat(26)}`,
      `${SESSION_ID}.${secret}.${'p'.repeat(28)}`,
    ])
      expect(parseRefreshToken(token)).toBeUndefined();
  });

  it('reads a token with a generation proof', () => {
    const proof = generationProof(proofKey, SESSION_ID, 3, secret);
    expect(parseRefreshToken(`${SESSION_ID}.${secret}.${proof}`)).toEqual({
      sessionId: SESSION_ID,
      secret,
      proof,
    });
  });

  it('compares hashes in constant time, false for a missing one', () => {
    expect(sameHash(sha256Hex(secret), sha256Hex(secret))).toBe(true);
    expect(sameHash(null, sha256Hex(secret))).toBe(false);
    expect(sameHash(sha256Hex(secret), sha256Hex(`${secret}x`))).toBe(false);
  });

  it('proves a generation only for the session, secret and key it was made for', () => {
    const proof = generationProof(proofKey, SESSION_ID, 10_000, secret);
    expect(provenGeneration(proofKey, SESSION_ID, secret, proof)).toBe(10_000);
    const stranger = randomBytes(32).toString('base64url');
    expect(
      provenGeneration(proofKey, SESSION_ID, stranger, proof),
    ).toBeUndefined();
    expect(
      provenGeneration(proofKey, 'b'.repeat(22), secret, proof),
    ).toBeUndefined();
    expect(provenGeneration(key, SESSION_ID, secret, proof)).toBeUndefined();
    // Another generation under the same tag.
    const bytes = Buffer.from(proof, 'base64url');
    bytes.writeUInt32BE(9_999, 0);
    expect(
      provenGeneration(
        proofKey,
        SESSION_ID,
        secret,
        bytes.toString('base64url'),
      ),
    ).toBeUndefined();
  });

  it('derives the proof key apart from the rotation key', () => {
    expect(proofKey.equals(key)).toBe(false);
    expect(proofKey).toHaveLength(32);
  });
});
