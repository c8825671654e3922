import type { RouteAccess } from '../auth/route-access';
import { Tier } from '../auth/tier';
import { ERROR_STATUS, ErrorCode } from '../common/error-codes';
import { RATE_LIMITED_METHODS } from '../rate-limit/rate-limit.constants';

/** A route as the document names it: upper-case method, OpenAPI path (`/admin/users/{id}`). */
export interface RouteShape {
  method: string;
  path: string;
}

/** Status -> the codes a route can answer with it, statuses ascending, codes in a stable order. */
export type ErrorResponses = Map<number, ErrorCode[]>;

/** Fastify refuses a path parameter over this many characters (414) before routing; see fastify-errors.ts. */
const URI_TOO_LONG = 414;

/**
 * Every error a route can answer with: what its own code declares
 * (@ApiErrors) plus what the application adds to every route of its kind.
 * This mirrors the guards, so the document cannot drift from them:
 * ApiKeyGuard (X-API-Key: session_required, api_key_invalid, the four
 * codes of a signed request, ip_not_allowed, insufficient_scope,
 * both credentials at once, a key read from the database, 429 once the
 * address has used up its failed-key budget, reads included), JwtAuthGuard
 * (the four token codes), MfaGuard (@RequireMfa's codes, and
 * mfa_enrollment_required under MFA_REQUIRED_TIER), TierGuard
 * (insufficient_tier) and WriteRateLimitGuard (429 on writes); and Fastify (a malformed or oversized
 * body on writes, an over-long path parameter). Any route can fail with 500.
 */
export function routeErrors(
  route: RouteShape,
  access: RouteAccess,
  declared: readonly ErrorCode[],
): ErrorResponses {
  const errors: Array<[number, ErrorCode]> = declared.map((code) => [
    ERROR_STATUS[code],
    code,
  ]);
  const add = (...codes: ErrorCode[]) =>
    codes.forEach((code) => errors.push([ERROR_STATUS[code], code]));

  if (access.sessionOnly) add(ErrorCode.SessionRequired);
  if (!access.isPublic) {
    add(
      ErrorCode.Unauthorized,
      ErrorCode.TokenInvalid,
      ErrorCode.TokenExpired,
      ErrorCode.TokenRevoked,
    );
    if (!access.sessionOnly) {
      // X-API-Key with Authorization is 400; a key not yet memoised is read
      // from the database, which may be down (503); too many failed keys
      // from one address are 429 on any method.
      add(
        ErrorCode.ApiKeyInvalid,
        ErrorCode.SignatureRequired,
        ErrorCode.SignatureInvalid,
        ErrorCode.SignatureReplayed,
        ErrorCode.TimestampOutOfWindow,
        ErrorCode.IpNotAllowed,
        ErrorCode.ValidationError,
        ErrorCode.RateLimited,
        ErrorCode.ServiceUnavailable,
      );
      // A key on a @RequireMfa route is refused whatever its scopes (session_required below).
      if (access.requiredMfa === undefined) add(ErrorCode.InsufficientScope);
    }
    if (access.requiredTier !== undefined && access.requiredTier > Tier.Monitor)
      add(ErrorCode.InsufficientTier);
    // MfaGuard: @RequireMfa (a key is no person), and MFA_REQUIRED_TIER
    // everywhere but the few routes a user may use before enrolling.
    if (access.requiredMfa !== undefined)
      add(
        ErrorCode.InsufficientUserAuthentication,
        ErrorCode.MfaEnrollmentRequired,
        ErrorCode.SessionRequired,
      );
    else if (!access.usableBeforeEnrolment)
      add(ErrorCode.MfaEnrollmentRequired);
  }
  if (RATE_LIMITED_METHODS.has(route.method)) {
    // Any write may carry a body, so a malformed, non-JSON or oversized one.
    add(
      ErrorCode.RateLimited,
      ErrorCode.ValidationError,
      ErrorCode.PayloadTooLarge,
    );
  }
  if (route.path.includes('{'))
    errors.push([URI_TOO_LONG, ErrorCode.ValidationError]);
  add(ErrorCode.InternalError);

  const order = Object.values(ErrorCode);
  const byStatus: ErrorResponses = new Map();
  for (const [status, code] of [...errors].sort(
    ([a, x], [b, y]) => a - b || order.indexOf(x) - order.indexOf(y),
  )) {
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  }
  return byStatus;
}

/** "Tier 4 (Admin)". */
export function tierName(tier: Tier): string {
  return `tier ${tier} (${Tier[tier]})`;
}
