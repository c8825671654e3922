import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditTrail } from '../../audit/audit-trail.service';
import { ApiException } from '../../common/api.exception';
import { clientOf } from '../../common/client-info';
import { ErrorCode } from '../../common/error-codes';
import {
  CodeAccount,
  LoginAttemptService,
  LoginRequest,
} from './login-attempt.service';
import { RecoveryCodes } from './recovery-codes.service';
import { SecondFactorRemoval } from './second-factor-removal.service';
import { SecondFactorCheck } from './second-factor-check.service';
import { TotpEnrolment, TotpFactors } from './totp-factors.service';

export interface MfaStatus {
  totp: { enabled: boolean; enabled_at: number | null };
  recovery_codes_remaining: number;
}

export interface RecoveryCodeSet {
  recovery_codes: string[];
}

function noFactor(): ApiException {
  return new ApiException(
    ErrorCode.NotFound,
    'No second factor is on for this account',
  );
}

/**
 * A user's own second factor, `/auth/mfa/*`: what is on, enrolment (the
 * password, then a first code), new recovery codes (a code), turning it off
 * (the password and a code). The password checks
 * are logins' (budgets, audit); the codes are SecondFactorCheck's.
 */
@Injectable()
export class MfaEnrolment {
  constructor(
    private readonly attempts: LoginAttemptService,
    private readonly factors: TotpFactors,
    private readonly recovery: RecoveryCodes,
    private readonly removal: SecondFactorRemoval,
    private readonly codes: SecondFactorCheck,
    private readonly audit: AuditTrail,
  ) {}

  async status(userId: number): Promise<MfaStatus> {
    const [totp, remaining] = await Promise.all([
      this.factors.status(userId),
      this.recovery.remaining(userId),
    ]);
    return {
      totp: {
        enabled: totp.enabled,
        enabled_at:
          totp.enabledAt === null ? null : Math.floor(totp.enabledAt / 1000),
      },
      recovery_codes_remaining: totp.enabled ? remaining : 0,
    };
  }

  /** A pending enrolment (a new seed) after the password; 409 when the factor is on. */
  async begin(
    request: LoginRequest,
    account: CodeAccount,
    password: string,
  ): Promise<TotpEnrolment> {
    const user = await this.attempts.confirmPassword(
      request,
      account.username,
      password,
    );
    return this.factors.begin(user.id, user.username);
  }

  /** The first code turns the factor on, and the first recovery codes are made. */
  async confirm(
    request: LoginRequest,
    account: CodeAccount,
    code: string,
  ): Promise<RecoveryCodeSet> {
    await this.codes.check(request, account, 'enrolment', () =>
      this.factors.confirm(account.id, code),
    );
    const recoveryCodes = await this.recovery.replace(account.id);
    this.audit.record({
      type: AuditEventType.MfaEnrolled,
      userId: account.id,
      client: clientOf(request),
      detail: { factor: 'totp' },
    });
    return { recovery_codes: recoveryCodes };
  }

  /** A new set of recovery codes for a code; the old ones are void. */
  async replaceRecoveryCodes(
    request: LoginRequest,
    account: CodeAccount,
    code: string,
  ): Promise<RecoveryCodeSet> {
    if (!(await this.factors.isEnabled(account.id))) throw noFactor();
    await this.codes.verify(request, account, code, 'recovery_codes');
    return { recovery_codes: await this.recovery.replace(account.id) };
  }

  /** The factor off, for the password and a code (TOTP or recovery). */
  async disable(
    request: LoginRequest,
    account: CodeAccount,
    password: string,
    code: string,
  ): Promise<void> {
    await this.attempts.confirmPassword(request, account.username, password);
    if (!(await this.factors.isEnabled(account.id))) throw noFactor();
    await this.codes.verify(request, account, code, 'disable');
    await this.removal.remove(account.id);
    this.audit.record({
      type: AuditEventType.MfaDisabled,
      userId: account.id,
      client: clientOf(request),
      detail: { factor: 'totp' },
    });
  }
}
