import { Injectable } from '@nestjs/common';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { Metrics } from '../../metrics/metrics';
import { loginOutcomeOf } from '../../metrics/outcomes';
import { User } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';
import { DeviceTokenService } from './device-token.service';
import { LoginAttemptService, LoginRequest } from './login-attempt.service';
import { MfaChallenges } from './mfa-challenges.service';
import { SecondFactorCheck } from './second-factor-check.service';
import { TotpFactors } from './totp-factors.service';

/** How a user proved themselves, as RFC 8176 names it: `pwd`, then `otp` for a second factor. */
export type AuthMethod = 'pwd' | 'otp';
export const PASSWORD_ONLY: readonly AuthMethod[] = Object.freeze(['pwd']);
export const WITH_SECOND_FACTOR: readonly AuthMethod[] = Object.freeze([
  'pwd',
  'otp',
]);

export interface LoginOutcome {
  user: User;
  /** The trusted device token to return: the one presented, or a new one. */
  deviceToken: string;
  /** What the tokens of the new session will say in `amr`. */
  amr: readonly AuthMethod[];
}

function mfaTokenInvalid(): ApiException {
  return new ApiException(
    ErrorCode.MfaTokenInvalid,
    'The mfa_token is unknown, expired, used or has had too many wrong codes; log in again',
  );
}

/**
 * A login, start to end: the password (LoginAttemptService, with its
 * budgets), then, for an account with a second factor, a code: in the same
 * request (`otp`) or in a second one with the `mfa_token` the first
 * answered with. A trusted device token is handed out only once the whole
 * login succeeded, and never skips the code.
 */
@Injectable()
export class LoginFlow {
  constructor(
    private readonly attempts: LoginAttemptService,
    private readonly factors: TotpFactors,
    private readonly codes: SecondFactorCheck,
    private readonly challenges: MfaChallenges,
    private readonly devices: DeviceTokenService,
    private readonly users: UsersService,
    private readonly metrics: Metrics,
  ) {}

  /**
   * `POST /auth/login`. For an account with a factor on and no `otp`: 401
   * mfa_required with an `mfa_token` (only after the right password, so a
   * wrong one still reads invalid_credentials).
   */
  withPassword(
    request: LoginRequest,
    username: string,
    password: string,
    deviceToken: string | undefined,
    otp: string | undefined,
  ): Promise<LoginOutcome> {
    return this.counted(
      this.passwordStep(request, username, password, deviceToken, otp),
    );
  }

  /** `POST /auth/login/mfa`: the second step, on any instance. */
  withCode(
    request: LoginRequest,
    mfaToken: string,
    code: string,
    deviceToken: string | undefined,
  ): Promise<LoginOutcome> {
    return this.counted(this.codeStep(request, mfaToken, code, deviceToken));
  }

  /** Counts the login by how it ended, in trading_auth_logins_total. */
  private counted(login: Promise<LoginOutcome>): Promise<LoginOutcome> {
    return login.then(
      (outcome) => {
        this.metrics.login('success');
        return outcome;
      },
      (error: unknown) => {
        this.metrics.login(loginOutcomeOf(error));
        throw error;
      },
    );
  }

  private async passwordStep(
    request: LoginRequest,
    username: string,
    password: string,
    deviceToken: string | undefined,
    otp: string | undefined,
  ): Promise<LoginOutcome> {
    const { user, trustedDeviceToken } = await this.attempts.attempt(
      request,
      username,
      password,
      deviceToken,
    );
    // Read afresh from the database: a factor turned on anywhere counts at once.
    if (!(await this.factors.isEnabled(user.id)))
      return this.outcome(user, trustedDeviceToken, PASSWORD_ONLY);
    if (otp === undefined) {
      const challenge = await this.challenges.create(user.id);
      throw new ApiException(
        ErrorCode.MfaRequired,
        'This account has a second factor: send a code with the mfa_token to POST /auth/login/mfa',
        {},
        { ...challenge },
      );
    }
    await this.codes.verify(request, user, otp, 'login');
    return this.outcome(user, trustedDeviceToken, WITH_SECOND_FACTOR);
  }

  private async codeStep(
    request: LoginRequest,
    mfaToken: string,
    code: string,
    deviceToken: string | undefined,
  ): Promise<LoginOutcome> {
    const attempt = await this.challenges.claimAttempt(mfaToken);
    if (!attempt) throw mfaTokenInvalid();
    const user = await this.users.findById(attempt.userId);
    if (!user) throw mfaTokenInvalid();
    if (user.disabled)
      throw new ApiException(
        ErrorCode.AccountDisabled,
        'This account is disabled',
      );
    await this.codes.verify(request, user, code, 'login');
    // A parallel request with another right code finished it first.
    if (!(await this.challenges.complete(attempt.id))) throw mfaTokenInvalid();
    const trusted = await this.devices.trustedId(deviceToken, user.id);
    return this.outcome(
      user,
      trusted === undefined ? undefined : deviceToken,
      WITH_SECOND_FACTOR,
    );
  }

  private async outcome(
    user: User,
    trustedDeviceToken: string | undefined,
    amr: readonly AuthMethod[],
  ): Promise<LoginOutcome> {
    return {
      user,
      deviceToken: trustedDeviceToken ?? (await this.devices.issue(user.id)),
      amr,
    };
  }
}
