/**
 * The platform's front door: what a feature module (orders, market data, a
 * gateway of its own) needs from the auth layer, from one import.
 *
 * @example
 * import { CurrentUser, Idempotent, Principal, RequireScope, RequireTier, Tier } from '../platform';
 *
 * It lives above auth/, realtime/, rate-limit/ and idempotency/, not in auth/index.ts:
 * realtime/ imports auth/, so an auth/ barrel that re-exported
 * AuthenticatedGateway would be a folder cycle (auth -> realtime -> auth),
 * which src/folder-imports.spec.ts refuses. Nothing under src/ imports it;
 * the platform's own modules import their neighbours directly.
 */
export { CurrentUser } from '../auth/decorators/current-user.decorator';
export { Public } from '../auth/decorators/public.decorator';
export { RequireScope } from '../auth/decorators/require-scope.decorator';
export { RequireMfa } from '../auth/decorators/require-mfa.decorator';
export type { MfaRequirement } from '../auth/mfa-policy';
export { RequireTier } from '../auth/decorators/require-tier.decorator';
export { SessionOnly } from '../auth/decorators/session-only.decorator';
export type { Principal } from '../auth/principal';
export type { AuthenticatedRequest } from '../auth/principal-of';
export { Scope } from '../auth/scope';
export { Tier } from '../auth/tier';
export { ApiException } from '../common/api.exception';
export { ErrorCode } from '../common/error-codes';
export { Idempotent } from '../idempotency/idempotent.decorator';
export type { IdempotentOptions } from '../idempotency/idempotent.decorator';
export { RateLimit } from '../rate-limit/rate-limit.decorator';
export type { RateLimitOptions } from '../rate-limit/rate-limit.decorator';
export { AuthenticatedGateway } from '../realtime/authenticated-gateway.decorator';
