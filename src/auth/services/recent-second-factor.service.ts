import { Injectable } from '@nestjs/common';
import type { LoginRequest } from '../../credentials/services/login-attempt.service';
import {
  CodePurpose,
  SecondFactorCheck,
} from '../../credentials/services/second-factor-check.service';
import { TotpFactors } from '../../credentials/services/totp-factors.service';
import { insufficientUserAuthentication } from '../guards/mfa.guard';
import { mfaSatisfied } from '../mfa-policy';
import { Principal } from '../principal';

/** How recent a step-up must be for this product's own sensitive actions. */
export const SENSITIVE_ACTION_MAX_AGE_SECONDS = 300;

/**
 * This product's own sensitive actions (creating an API key, changing the
 * password), for a user with the second factor on: a `code` in the request,
 * or a step-up (or a login with a code) within the last 5 minutes, as well
 * as the password the action asks for anyway. Without either: 401
 * insufficient_user_authentication with max_age=300. A user without a
 * factor is not asked (MFA_REQUIRED_TIER decides whether they must have one).
 */
@Injectable()
export class RecentSecondFactor {
  constructor(
    private readonly factors: TotpFactors,
    private readonly codes: SecondFactorCheck,
  ) {}

  async require(
    request: LoginRequest,
    principal: Principal,
    code: string | undefined,
    purpose: CodePurpose,
  ): Promise<void> {
    if (!(await this.factors.isEnabled(principal.id))) return;
    if (code !== undefined)
      return this.codes.verify(request, principal, code, purpose);
    const recent = mfaSatisfied(
      principal.amr,
      principal.authTime,
      { maxAge: SENSITIVE_ACTION_MAX_AGE_SECONDS },
      Math.floor(Date.now() / 1000),
    );
    if (!recent)
      throw insufficientUserAuthentication(SENSITIVE_ACTION_MAX_AGE_SECONDS);
  }
}
