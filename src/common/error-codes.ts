/**
 * Machine-readable error codes of the `{error, code}` body. Clients switch on
 * these, so they are a public contract: add new ones, never rename.
 */
export const ErrorCode = {
  ValidationError: 'validation_error',
  Unauthorized: 'unauthorized',
  TokenInvalid: 'token_invalid',
  TokenExpired: 'token_expired',
  TokenRevoked: 'token_revoked',
  InvalidCredentials: 'invalid_credentials',
  RefreshTokenInvalid: 'refresh_token_invalid',
  InsufficientTier: 'insufficient_tier',
  AccountDisabled: 'account_disabled',
  OriginNotAllowed: 'origin_not_allowed',
  NotFound: 'not_found',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
  Unprocessable: 'unprocessable',
  RateLimited: 'rate_limited',
  InternalError: 'internal_error',
  ServiceUnavailable: 'service_unavailable',
  ApiKeyInvalid: 'api_key_invalid',
  IpNotAllowed: 'ip_not_allowed',
  SessionRequired: 'session_required',
  IdempotencyKeyRequired: 'idempotency_key_required',
  IdempotencyKeyInUse: 'idempotency_key_in_use',
  IdempotencyKeyReused: 'idempotency_key_reused',
  SignatureRequired: 'signature_required',
  SignatureInvalid: 'signature_invalid',
  SignatureReplayed: 'signature_replayed',
  TimestampOutOfWindow: 'timestamp_out_of_window',
  InsufficientScope: 'insufficient_scope',
  /** The password was right; the account has a second factor: send a code to `POST /auth/login/mfa`. */
  MfaRequired: 'mfa_required',
  MfaInvalid: 'mfa_invalid',
  MfaTokenInvalid: 'mfa_token_invalid',
  /** RFC 9470: the route wants a (recent) second factor that this token does not carry; step up. */
  InsufficientUserAuthentication: 'insufficient_user_authentication',
  MfaEnrollmentRequired: 'mfa_enrollment_required',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status each code is sent with. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  token_invalid: 401,
  token_expired: 401,
  token_revoked: 401,
  invalid_credentials: 401,
  refresh_token_invalid: 401,
  insufficient_tier: 403,
  account_disabled: 403,
  origin_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  api_key_invalid: 401,
  ip_not_allowed: 403,
  session_required: 403,
  idempotency_key_required: 400,
  idempotency_key_in_use: 409,
  idempotency_key_reused: 422,
  signature_required: 401,
  signature_invalid: 401,
  signature_replayed: 401,
  timestamp_out_of_window: 401,
  insufficient_scope: 403,
  mfa_required: 401,
  mfa_invalid: 401,
  mfa_token_invalid: 401,
  insufficient_user_authentication: 401,
  mfa_enrollment_required: 403,
};

/**
 * Close codes the WebSocket endpoint ends a socket with (4000-4999 is the
 * range RFC 6455 leaves to applications). The close reason is the matching
 * error code.
 */
export const WsCloseCode = {
  /** RFC 6455 "going away": the server is shutting down; reconnect. */
  GoingAway: 1001,
  TokenExpired: 4001,
  TokenRevoked: 4002,
  TooManySockets: 4008,
} as const;
export type WsCloseCode = (typeof WsCloseCode)[keyof typeof WsCloseCode];
