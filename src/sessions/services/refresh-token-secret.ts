import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * `<session id>.<secret>`, then `.<generation proof>` on a token issued with
 * rotation on: 16 random bytes of id, 32 (256 bits) of secret, 20 of proof,
 * base64url. A token issued before proofs existed has none.
 */
const REFRESH_TOKEN_FORMAT =
  /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})(?:\.([A-Za-z0-9_-]{27}))?$/;
/** A session id alone, as `DELETE /auth/sessions/:id` takes it. */
export const SESSION_ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

/** The generation (4 bytes) and its tag (16 bytes, 128 bits) in a proof. */
const GENERATION_BYTES = 4;
const TAG_BYTES = 16;

export interface ParsedRefreshToken {
  sessionId: string;
  secret: string;
  proof?: string;
}

export function parseRefreshToken(
  token: string,
): ParsedRefreshToken | undefined {
  const match = REFRESH_TOKEN_FORMAT.exec(token);
  if (!match) return undefined;
  const [, sessionId, secret, proof] = match;
  return proof === undefined
    ? { sessionId, secret }
    : { sessionId, secret, proof };
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
  return derivedKey(signingSecret, 'trading-auth refresh-token rotation v1');
}

/**
 * The key of generation proofs: from the same signing secret under another
 * label, so no derived key serves two purposes.
 */
export function ancestryKey(signingSecret: string): Buffer {
  return derivedKey(signingSecret, 'trading-auth refresh-token ancestry v1');
}

function derivedKey(signingSecret: string, label: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(signingSecret, 'utf8'),
      Buffer.alloc(0),
      label,
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
 * What a rotated token carries so that, once retired, it is recognised as
 * the session's own with one HMAC: its generation, and a MAC binding that
 * generation to the session id and the secret. Walking the successor chain
 * instead cost one HMAC and one SHA-256 per generation (10,000 of each at
 * generation 10,000, 41.8 ms of event loop) for any wrong secret sent with
 * a known session id.
 */
export function generationProof(
  key: Buffer,
  sessionId: string,
  generation: number,
  secret: string,
): string {
  const proof = Buffer.alloc(GENERATION_BYTES + TAG_BYTES);
  proof.writeUInt32BE(generation, 0);
  generationTag(key, sessionId, generation, secret).copy(
    proof,
    GENERATION_BYTES,
  );
  return proof.toString('base64url');
}

/** The generation `proof` vouches for with this session id and secret, or undefined: one HMAC. */
export function provenGeneration(
  key: Buffer,
  sessionId: string,
  secret: string,
  proof: string,
): number | undefined {
  const bytes = Buffer.from(proof, 'base64url');
  if (bytes.length !== GENERATION_BYTES + TAG_BYTES) return undefined;
  const generation = bytes.readUInt32BE(0);
  const tag = generationTag(key, sessionId, generation, secret);
  return timingSafeEqual(tag, bytes.subarray(GENERATION_BYTES))
    ? generation
    : undefined;
}

/** Every field is of fixed length or dot-free, so no two inputs read alike. */
function generationTag(
  key: Buffer,
  sessionId: string,
  generation: number,
  secret: string,
): Buffer {
  return createHmac('sha256', key)
    .update(`${sessionId}.${generation}.${secret}`)
    .digest()
    .subarray(0, TAG_BYTES);
}
