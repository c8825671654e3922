import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { TotpFactors } from '../../credentials/services/totp-factors.service';
import {
  MfaRequirement,
  mfaRequiredFor,
  mfaSatisfied,
  SECOND_FACTOR_METHOD,
} from '../mfa-policy';
import { Principal } from '../principal';
import { principalOf } from '../principal-of';
import { routeAccessOf } from '../route-access';

export function mfaEnrollmentRequired(): ApiException {
  return new ApiException(
    ErrorCode.MfaEnrollmentRequired,
    'This needs a second factor on your account; enrol one at POST /auth/mfa/totp',
  );
}

/**
 * RFC 9470's answer: the token is fine, but not authenticated enough. The
 * client steps up (`POST /auth/step-up`) and retries with the new token.
 */
export function insufficientUserAuthentication(
  maxAge: number | undefined,
): ApiException {
  return new ApiException(
    ErrorCode.InsufficientUserAuthentication,
    maxAge === undefined
      ? 'This needs your second factor: step up at POST /auth/step-up and retry with the new token'
      : `This needs your second factor within the last ${maxAge} s: step up at POST /auth/step-up and retry with the new token`,
    {
      'WWW-Authenticate':
        'Bearer error="insufficient_user_authentication"' +
        (maxAge === undefined ? '' : `, max_age=${maxAge}`),
    },
  );
}

/**
 * A global guard after the authentication guards, on REST routes and
 * WebSocket messages alike, for the second factor:
 *
 * - @RequireMfa: `amr` must hold a second factor (recent enough with
 *   `maxAge`); else 401 insufficient_user_authentication for a user who has
 *   one (step up), 403 mfa_enrollment_required for one who has none, 403
 *   session_required for an API key.
 * - MFA_REQUIRED_TIER: a user of that tier or above without a factor may
 *   use only the routes of mfa-policy.ts; elsewhere 403
 *   mfa_enrollment_required. API keys too: a key stands for its owner.
 *
 * Synchronous and free when neither applies (most routes, without the
 * policy). Whether a user has a factor is asked only when the token does
 * not already say so (`otp` in `amr`), from TotpFactors' short memo.
 */
@Injectable()
export class MfaGuard implements CanActivate {
  private readonly requiredTier: number | undefined;

  constructor(
    private readonly factors: TotpFactors,
    config: AppConfig,
  ) {
    this.requiredTier = config.mfaRequiredTier;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = routeAccessOf(context);
    if (access.isPublic) return true;
    if (access.requiredMfa !== undefined)
      return this.requireMfa(principalOf(context), access.requiredMfa);
    if (this.requiredTier === undefined || access.usableBeforeEnrolment)
      return true;
    const principal = principalOf(context);
    if (
      !mfaRequiredFor(principal.tier, this.requiredTier) ||
      principal.amr?.includes(SECOND_FACTOR_METHOD)
    )
      return true;
    return after(this.factors.isEnabledRecently(principal.id), (enabled) => {
      if (!enabled) throw mfaEnrollmentRequired();
      return true;
    });
  }

  private requireMfa(
    principal: Principal,
    requirement: MfaRequirement,
  ): boolean | Promise<boolean> {
    if (principal.apiKeyId !== undefined)
      throw new ApiException(
        ErrorCode.SessionRequired,
        'This needs a person with a second factor; an API key cannot use it',
      );
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (
      mfaSatisfied(principal.amr, principal.authTime, requirement, nowSeconds)
    )
      return true;
    return after(this.factors.isEnabledRecently(principal.id), (enabled) => {
      throw enabled
        ? insufficientUserAuthentication(requirement.maxAge)
        : mfaEnrollmentRequired();
    });
  }
}

/** `then` for a value that may be there already, without a promise when it is. */
function after<T, R>(
  value: T | Promise<T>,
  next: (value: T) => R,
): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
