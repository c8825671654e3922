import { hash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../common/random-token';
import { sha256Hex } from '../common/sha256';

/** Marks the string as one of our keys, so secret scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'tak_';
const ID_LENGTH = 22; // 16 random bytes, base64url
const SECRET_LENGTH = 43; // 32 random bytes, base64url
export const API_KEY_LENGTH =
  API_KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;
const ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

export interface MintedApiKey {
  id: string;
  /** The whole key, shown once: `tak_<id>.<secret>`. */
  key: string;
  secretHash: string;
}

const BASE64URL = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')
  BASE64URL[char.charCodeAt(0)] = 1;
const DOT = API_KEY_PREFIX.length + ID_LENGTH;

/**
 * The id and secret of a key as presented; undefined for anything not shaped
 * like one. A character loop rather than a regular expression: it runs on
 * every request, and the length check first means a huge header costs nothing.
 */
export function parseApiKey(
  value: string,
): { id: string; secret: string } | undefined {
  if (value.length !== API_KEY_LENGTH || !value.startsWith(API_KEY_PREFIX))
    return undefined;
  for (let i = API_KEY_PREFIX.length; i < API_KEY_LENGTH; i++) {
    if (i === DOT) {
      if (value.charCodeAt(i) !== 46) return undefined; // '.'
      continue;
    }
    const code = value.charCodeAt(i);
    if (code >= 128 || BASE64URL[code] === 0) return undefined;
  }
  return {
    id: value.slice(API_KEY_PREFIX.length, DOT),
    secret: value.slice(DOT + 1),
  };
}

export function isApiKeyId(value: string): boolean {
  return ID_FORMAT.test(value);
}

/** A key id: 16 random bytes, base64url (an ed25519 key's is all it gets). */
export function randomKeyId(): string {
  return randomToken(16);
}

export function mintApiKey(): MintedApiKey {
  const id = randomKeyId();
  const secret = randomToken(32);
  return {
    id,
    key: `${API_KEY_PREFIX}${id}.${secret}`,
    secretHash: hashSecret(secret),
  };
}

/**
 * SHA-256, not a password hash: the secret is 256 random bits, so a fast hash
 * is as safe against a stolen table and keeps verification cheap.
 */
export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

/**
 * Whether two secrets of the key format are equal, in time that does not
 * depend on where they differ (no early exit). Lets the memo compare a
 * presented secret with the one it already verified without hashing it
 * again: SHA-256 on every request cost several times the whole access-token
 * check.
 */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++)
    difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hash('sha256', secret, 'buffer');
  return (
    presented.length === storedHash.length &&
    timingSafeEqual(presented, storedHash)
  );
}
