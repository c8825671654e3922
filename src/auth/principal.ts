import type { Scope } from './scope';
import { Tier } from './tier';

/** Who made a request: what the access token proved, available as @CurrentUser(). */
export interface Principal {
  readonly id: number;
  readonly username: string;
  readonly tier: Tier;
  /** Session (refresh token) the access token belongs to. */
  readonly sessionId: string;
  readonly jti: string;
  /** Access token expiry, epoch seconds. */
  readonly expiresAt: number;
  /** The user's token_version when the token was issued. */
  readonly tokenVersion: number;
  /** The access token's `iat`, epoch seconds (introspection answers it). */
  readonly issuedAt?: number;
  /** The `kid` of the signing key (ES256/EdDSA): revoking the key revokes its tokens. */
  readonly kid?: string;
  /**
   * Set when the request came with an API key rather than an access token:
   * the key's id, which is also its `sessionId` (revoking the key revokes
   * that "session") and its own rate-limit tracker.
   */
  readonly apiKeyId?: string;
  /**
   * With `apiKeyId`: the scopes the key was granted (ApiKeyGuard holds the
   * request to them). Undefined for a session, which passes every scope.
   */
  readonly scopes?: readonly Scope[];
  /**
   * How the user authenticated (RFC 8176): `['pwd']` or `['pwd', 'otp']`,
   * from the token's `amr`. Absent for an API key: a key is not a person.
   */
  readonly amr?: readonly string[];
  /** The last interactive authentication (login or step-up), epoch seconds; absent for an API key. */
  readonly authTime?: number;
}

/** The claims of an access token, as signed. */
export interface AccessTokenClaims {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  typ: string;
  sid: string;
  ver: number;
  username: string;
  permission_tier: Tier;
  /** Absent from tokens issued before the second factor existed: they mean `['pwd']`. */
  amr?: string[];
  /** Absent from tokens issued before the second factor existed: they mean `iat`. */
  auth_time?: number;
}
