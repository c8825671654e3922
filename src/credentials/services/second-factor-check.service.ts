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
import { RECOVERY_CODE_FORMAT, RecoveryCodes } from './recovery-codes.service';
import { TotpFactors } from './totp-factors.service';

/** A TOTP code as typed: six digits. Anything else in a `code` field must be a recovery code. */
export const TOTP_CODE_FORMAT = /^\d{6}$/;

/** What a `code` field takes: a TOTP code or a recovery code. */
export const SECOND_FACTOR_CODE_FORMAT = new RegExp(
  `(${TOTP_CODE_FORMAT.source})|(${RECOVERY_CODE_FORMAT.source})`,
);

/** What a code was checked for, in the audit trail's `mfa_failed` events. */
export type CodePurpose =
  | 'login'
  | 'enrolment'
  | 'step_up'
  | 'disable'
  | 'recovery_codes'
  | 'api_key'
  | 'password_change';

export function mfaInvalid(): ApiException {
  return new ApiException(
    ErrorCode.MfaInvalid,
    'The code is wrong, expired or already used',
  );
}

/**
 * The one check of a second-factor code, wherever one is asked for: a TOTP
 * code (TotpFactors, replay-protected) or, anywhere but enrolment, a
 * recovery code (spent by its use). Each guess is charged to the login
 * failure budgets (LoginAttemptService.codeAttempt), so guessing codes
 * costs what guessing passwords does; a wrong one is 401 mfa_invalid and an
 * `mfa_failed` audit event. Codes never reach the audit trail.
 */
@Injectable()
export class SecondFactorCheck {
  constructor(
    private readonly attempts: LoginAttemptService,
    private readonly totp: TotpFactors,
    private readonly recovery: RecoveryCodes,
    private readonly audit: AuditTrail,
  ) {}

  /** A TOTP or recovery code of `account`'s factor; 401 mfa_invalid, or 429 past the budgets. */
  async verify(
    request: LoginRequest,
    account: CodeAccount,
    code: string,
    purpose: CodePurpose,
  ): Promise<void> {
    const byRecoveryCode = !TOTP_CODE_FORMAT.test(code);
    await this.check(request, account, purpose, () =>
      byRecoveryCode
        ? this.recovery.use(account.id, code)
        : this.totp.verify(account.id, code),
    );
    if (byRecoveryCode)
      this.audit.record({
        type: AuditEventType.RecoveryCodeUsed,
        userId: account.id,
        client: clientOf(request),
        actorId: account.id,
        detail: {
          purpose,
          remaining: await this.recovery.remaining(account.id),
        },
      });
  }

  /** Any code check `right` makes, budgeted and audited as `verify` is (enrolment's first code). */
  async check(
    request: LoginRequest,
    account: CodeAccount,
    purpose: CodePurpose,
    right: () => Promise<boolean>,
  ): Promise<void> {
    if (await this.attempts.codeAttempt(request, account, right)) return;
    this.audit.record({
      type: AuditEventType.MfaFailed,
      userId: account.id,
      client: clientOf(request),
      actorId: null,
      detail: { purpose },
    });
    throw mfaInvalid();
  }
}
