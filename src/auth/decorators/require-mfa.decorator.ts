import { SetMetadata } from '@nestjs/common';
import { REQUIRED_MFA_KEY } from '../auth.constants';
import type { MfaRequirement } from '../mfa-policy';

/**
 * Lets a request through only when its token proves a second factor: `otp`
 * in `amr`, and with `maxAge` an `auth_time` at most that many seconds ago.
 * Otherwise a user with a factor gets 401 insufficient_user_authentication
 * with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
 * max_age=N` (RFC 9470: step up at `POST /auth/step-up`, retry with the new
 * token), a user without one 403 mfa_enrollment_required, and an API key
 * 403 session_required. Works on a controller, a route handler or a
 * @SubscribeMessage handler (an error event of that code); the handler's
 * own wins. Enforced by the global MfaGuard.
 *
 * @example
 * @RequireMfa({ maxAge: 300 }) // a second factor within the last 5 minutes
 * @Post('withdrawals')
 * withdraw() {}
 */
export const RequireMfa = (requirement: MfaRequirement = {}) => {
  const { maxAge } = requirement;
  if (maxAge !== undefined && (!Number.isSafeInteger(maxAge) || maxAge < 1))
    throw new Error(
      `@RequireMfa: maxAge must be a whole number of seconds ≥ 1, got ${maxAge}`,
    );
  return SetMetadata(REQUIRED_MFA_KEY, Object.freeze({ ...requirement }));
};
