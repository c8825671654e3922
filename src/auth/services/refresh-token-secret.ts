import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../../common/sha256';

/** `<session id>.<secret>`: 16 random bytes of id, 32 (256 bits) of secret, base64url. */
const REFRESH_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
/** A session id alone, as `DELETE /auth/sessions/:id` takes it. */
export const SESSION_ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

export interface ParsedRefreshToken {
  sessionId: string;
  secret: string;
}

export function parseRefreshToken(
  token: string,
): ParsedRefreshToken | undefined {
  const match = REFRESH_TOKEN_FORMAT.exec(token);
  return match ? { sessionId: match[1], secret: match[2] } : undefined;
}

/** Constant-time comparison of two hex hashes (false for a missing one). */
export function sameHash(a: string | null | undefined, b: string): boolean {
  if (a === null || a === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * The rotation key, derived from the signing secret (HKDF with its own
 * label), so it is never stored or configured separately, and it changes
 * when the signing secret does.
 */
export function rotationKey(signingSecret: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(signingSecret, 'utf8'),
      Buffer.alloc(0),
      'trading-auth refresh-token rotation v1',
      32,
    ),
  );
}

/**
 * The secret that replaces `secret` when it is rotated: a keyed hash of it,
 * so a retry of the same refresh can be answered with the same successor
 * without the successor ever being stored. Without the key, a successor
 * tells nothing about its parent and cannot be computed from it.
 */
export function successorSecret(key: Buffer, secret: string): string {
  return createHmac('sha256', key).update(secret).digest('base64url');
}

/**
 * Whether `secret` is an ancestor, within `generations` rotations, of the
 * secret whose hash is `currentHash`: a refresh token retired longer ago
 * than the last rotation.
 */
export function isAncestor(
  key: Buffer,
  secret: string,
  currentHash: string,
  generations: number,
): boolean {
  let candidate = secret;
  for (let i = 0; i < generations; i++) {
    candidate = successorSecret(key, candidate);
    if (sameHash(currentHash, sha256Hex(candidate))) return true;
  }
  return false;
}
