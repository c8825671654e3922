import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Marks the string as one of our keys, so secret scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'tak_';
const ID_LENGTH = 22; // 16 random bytes, base64url
const SECRET_LENGTH = 43; // 32 random bytes, base64url
export const API_KEY_LENGTH =
  API_KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;
const ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;
const KEY_FORMAT = /^tak_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface MintedApiKey {
  id: string;
  /** The whole key, shown once: `tak_<id>.<secret>`. */
  key: string;
  secretHash: string;
}

/** The id and secret of a key as presented; undefined for anything not shaped like one. */
export function parseApiKey(
  value: string,
): { id: string; secret: string } | undefined {
  // Length first: a huge header never reaches the regular expression.
  if (value.length !== API_KEY_LENGTH) return undefined;
  const match = KEY_FORMAT.exec(value);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function isApiKeyId(value: string): boolean {
  return ID_FORMAT.test(value);
}

export function mintApiKey(): MintedApiKey {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
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
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = createHash('sha256').update(secret).digest();
  return (
    presented.length === storedHash.length &&
    timingSafeEqual(presented, storedHash)
  );
}
