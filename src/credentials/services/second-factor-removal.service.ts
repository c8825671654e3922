import { Injectable } from '@nestjs/common';
import { MfaChallenges } from './mfa-challenges.service';
import { RecoveryCodes } from './recovery-codes.service';
import { TotpFactors } from './totp-factors.service';

/**
 * Everything of a user's second factor goes: the TOTP factor (pending or
 * on), its recovery codes, and the pending second steps of logins. For the
 * user's own `DELETE /auth/mfa/totp` and for an operator's reset (a lost
 * phone; the admin API and the CLI), whose callers end sessions and record
 * the event.
 */
@Injectable()
export class SecondFactorRemoval {
  constructor(
    private readonly factors: TotpFactors,
    private readonly recovery: RecoveryCodes,
    private readonly challenges: MfaChallenges,
  ) {}

  /** Whether a factor was on. */
  async remove(userId: number): Promise<boolean> {
    const wasOn = await this.factors.remove(userId);
    await this.recovery.removeAll(userId);
    await this.challenges.removeAll(userId);
    return wasOn;
  }
}
