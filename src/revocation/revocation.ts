/**
 * One fact that makes access tokens stop counting, in the form every instance
 * exchanges: written to the database (revocation_events), published over
 * Redis, held in Redis while the database is away, and applied to each
 * instance's memory. `expiresAtMs` is when the last access token it concerns
 * has expired, so the fact can be forgotten.
 */
export type Revocation =
  /** One access token (logout): blocklisted until its own exp. */
  | { kind: 'token'; jti: string; userId: number; expiresAtMs: number }
  /** Every access token of one session (logout, session end). */
  | { kind: 'session'; sessionId: string; userId: number; expiresAtMs: number }
  /** Every access token of the user issued below `tokenVersion` (disable, tier or password change, revoke-all). */
  | { kind: 'user'; userId: number; tokenVersion: number; expiresAtMs: number }
  /**
   * One API key, wherever it is memoised or has a socket open. Kept only until
   * every memo that may still hold the key has re-read it from the database
   * (`api_keys.revoked_at` is the lasting truth).
   */
  | { kind: 'api_key'; keyId: string; userId: number; expiresAtMs: number }
  /**
   * Every access token one signing key signed (`keys:revoke`, a compromised
   * key), by its `kid`; `userId` is 0. Kept until the last token that key
   * can have signed has expired.
   */
  | { kind: 'sig_key'; keyId: string; userId: number; expiresAtMs: number };

export type RevocationKind = Revocation['kind'];

/**
 * What revocation reads of a presented access token (or of an API key's
 * principal): auth's Principal is one. Named here rather than imported,
 * because auth/ and sessions/ both call revocation/, which so stays below
 * them.
 */
export interface PresentedToken {
  /** The user. */
  readonly id: number;
  readonly sessionId: string;
  readonly jti: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  readonly tokenVersion: number;
  /** The `kid` of the key that signed the token (ES256/EdDSA); absent under HS256 and for API keys. */
  readonly kid?: string;
}
export type ApiKeyRevocation = Extract<Revocation, { kind: 'api_key' }>;
export type SigningKeyRevocation = Extract<Revocation, { kind: 'sig_key' }>;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function positiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * The revocation a JSON value describes, or undefined for anything else. Used
 * on what arrives over Redis: a malformed message is dropped, never applied
 * half-way or allowed to throw in the subscriber.
 */
export function parseRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (!positiveInteger(r.userId) || !positiveInteger(r.expiresAtMs))
    return undefined;
  const base = { userId: r.userId, expiresAtMs: r.expiresAtMs };
  switch (r.kind) {
    case 'token':
      return typeof r.jti === 'string' && ID.test(r.jti)
        ? { kind: 'token', jti: r.jti, ...base }
        : undefined;
    case 'session':
      return typeof r.sessionId === 'string' && ID.test(r.sessionId)
        ? { kind: 'session', sessionId: r.sessionId, ...base }
        : undefined;
    case 'user':
      return positiveInteger(r.tokenVersion)
        ? { kind: 'user', tokenVersion: r.tokenVersion, ...base }
        : undefined;
    case 'api_key':
      return typeof r.keyId === 'string' && ID.test(r.keyId)
        ? { kind: 'api_key', keyId: r.keyId, ...base }
        : undefined;
    case 'sig_key':
      return typeof r.keyId === 'string' && ID.test(r.keyId)
        ? { kind: 'sig_key', keyId: r.keyId, ...base }
        : undefined;
    default:
      return undefined;
  }
}

/** The valid revocations of a JSON array (anything else, or any bad entry, is left out). */
export function parseRevocations(values: unknown): Revocation[] {
  if (!Array.isArray(values)) return [];
  const revocations: Revocation[] = [];
  for (const value of values) {
    const revocation = parseRevocation(value);
    if (revocation) revocations.push(revocation);
  }
  return revocations;
}

/** The value stored in revocation_events.subject: the id the revocation names. */
export function subjectOf(revocation: Revocation): string {
  switch (revocation.kind) {
    case 'token':
      return revocation.jti;
    case 'session':
      return revocation.sessionId;
    case 'user':
      return String(revocation.userId);
    case 'api_key':
    case 'sig_key':
      return revocation.keyId;
  }
}
