/** Metadata keys read by the guards. */
export const IS_PUBLIC_KEY = 'auth:isPublic';
export const REQUIRED_TIER_KEY = 'auth:requiredTier';
export const SESSION_ONLY_KEY = 'auth:sessionOnly';
export const REQUIRED_SCOPE_KEY = 'auth:requiredScope';
export const REQUIRED_MFA_KEY = 'auth:requiredMfa';

/**
 * Where LocalAuthGuard puts the login outcome (user, device token) on the
 * request, for @LoginResult(): not passport's default `user`, which holds
 * a Principal on every other route.
 */
export const LOGIN_OUTCOME_PROPERTY = 'loginOutcome';

/** The name passport knows JwtStrategy by: `AuthGuard(JWT_STRATEGY)`. */
export const JWT_STRATEGY = 'jwt';

/** The `typ` claim of access tokens; any other token kind must never pass as one. */
export const ACCESS_TOKEN_TYPE = 'access';
/** The symmetric algorithm (JWT_ALGORITHM=HS256, with JWT_SECRET). */
export const HS256 = 'HS256';
/**
 * Seconds of clock skew tolerated on `exp`. Every instance issues and
 * verifies with NTP-synchronised clocks, so none is needed; the spec allows
 * up to 30 s should a deployment need it.
 */
export const CLOCK_TOLERANCE_SECONDS = 0;

/** Passwords longer than this (UTF-8 bytes) are refused, so hashing cannot be used to burn CPU. */
export const MAX_PASSWORD_BYTES = 1024;
export const MIN_PASSWORD_LENGTH = 8;
