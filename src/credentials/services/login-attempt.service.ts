import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditTrail } from '../../audit/audit-trail.service';
import { ApiException } from '../../common/api.exception';
import { ClientInfo, clientOf } from '../../common/client-info';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { RateLimitLedger } from '../../rate-limit/rate-limit-ledger';
import {
  LOGIN_SCOPE,
  LoginBudget,
} from '../../rate-limit/rate-limit.constants';
import {
  addressTracker,
  failedLoginLimits,
} from '../../rate-limit/rate-limit.policy';
import {
  BudgetSpec,
  RateLimiter,
  report,
} from '../../rate-limit/rate-limiter.service';
import { Charge } from '../../rate-limit/store/rate-limit-store';
import { User } from '../../users/entities/user.entity';
import { isValidUsername, normalizeUsername } from '../../users/username';
import { UsersService } from '../../users/users.service';
import { CredentialsService } from './credentials.service';
import { DeviceTokenService } from './device-token.service';

/** What a login request brings besides its credentials. */
export interface LoginRequest {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  rateLimit?: RateLimitLedger | null;
}

/** A slot held in one failed-login budget until the password check tells. */
interface Reserved {
  name: LoginBudget;
  charge: Charge;
}

/**
 * What the audit trail records as the username of a failed or refused login
 * whose name is not known to be an account's: it may be anything the client
 * typed, a password put in the wrong field included. No account can have
 * it: usernames hold no parentheses.
 */
export const UNKNOWN_USERNAME = '(unknown)';

/** The account a login's name found, once the lookup has run (`null`: none). */
interface Lookup {
  user: Pick<User, 'username'> | null;
}

/** A password login that checked out (the second factor, if any, is LoginFlow's). */
export interface PasswordProof {
  user: User;
  /** The device token presented, when it is one of this user's live ones. */
  trustedDeviceToken: string | undefined;
}

/** Who a second-factor code is guessed for: the account whose budget it uses up. */
export interface CodeAccount {
  id: number;
  /** As stored (normalised): the account budget's key. */
  username: string;
}

/**
 * Login's protection against guessing, before and around the password
 * check. Every attempt reserves a slot in the failed-login budget of its
 * address and of its account (or, with a trusted device token, of that
 * device) before any hash is computed; a successful login gives both back,
 * so only failures use them up and a trader who logs in correctly never
 * runs out. Strangers' failures use up the account budget, not the budget
 * of the owner's device, so they cannot lock the owner out.
 */
@Injectable()
export class LoginAttemptService {
  constructor(
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly devices: DeviceTokenService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly audit: AuditTrail,
  ) {}

  async attempt(
    request: LoginRequest,
    username: string,
    password: string,
    deviceToken: string | undefined,
  ): Promise<PasswordProof> {
    const name = normalizeUsername(username);
    const lookup: Lookup = { user: null };
    const { verified, trusted } = await this.recordingRefusals(
      lookup,
      request,
      () => this.check(request, lookup, name, username, password, deviceToken),
    );
    return {
      user: verified,
      trustedDeviceToken: trusted !== undefined ? deviceToken : undefined,
    };
  }

  /**
   * A second-factor code, guessed as a password would be: charged to the
   * address's and the account's failed-login budgets before `check` runs
   * (429 when either is used up), and given back when `check` says yes. A
   * trusted device token exempts nothing here: it is handed out after the
   * password alone, so a stranger holding the password could get one per
   * login and guess codes on budgets of their own.
   */
  async codeAttempt(
    request: LoginRequest,
    account: CodeAccount,
    check: () => Promise<boolean>,
  ): Promise<boolean> {
    const lookup: Lookup = { user: account };
    return this.recordingRefusals(lookup, request, async () => {
      const limits = failedLoginLimits(this.config);
      const address = await this.limiter.enforce(
        this.budget(
          LoginBudget.Address,
          addressTracker(request.ip),
          limits.address,
        ),
        request.rateLimit,
        'this client address',
      );
      let reserved: Reserved[];
      try {
        const accountCharge = await this.limiter.enforce(
          this.budget(
            LoginBudget.Account,
            accountTracker(account.username),
            limits.account,
          ),
          request.rateLimit,
          'this account',
        );
        reserved = [
          { name: LoginBudget.Address, charge: address },
          { name: LoginBudget.Account, charge: accountCharge },
        ];
      } catch (error) {
        await address.refund();
        throw error;
      }
      let right: boolean;
      try {
        right = await check();
      } catch (error) {
        // The database failed, not the guess.
        await this.refund(request, reserved);
        throw error;
      }
      if (right) await this.refund(request, reserved);
      return right;
    });
  }

  /**
   * A fresh proof of the password of a signed-in user (creating an API key),
   * checked, budgeted and audited exactly as a login, without a device token.
   */
  async confirmPassword(
    request: LoginRequest,
    username: string,
    password: string,
  ): Promise<User> {
    // One normal form for the lookup, the budget key and the audit trail. A
    // name that breaks the account-creation rule finds no user (and costs
    // the dummy hash).
    const name = normalizeUsername(username);
    const lookup: Lookup = { user: null };
    const { verified } = await this.recordingRefusals(lookup, request, () =>
      this.check(request, lookup, name, username, password, undefined),
    );
    return verified;
  }

  /** Records a login refused by a failed-login budget (429) in the audit trail. */
  private async recordingRefusals<T>(
    lookup: Lookup,
    request: LoginRequest,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiException && error.code === ErrorCode.RateLimited)
        this.audit.record({
          type: AuditEventType.LoginRateLimited,
          userId: null,
          client: clientOf(request),
          actorId: null,
          // A refusal by the address's budget comes before the lookup, on
          // purpose (it stays cheap under a storm), so its name stays unknown.
          detail: { username: auditedUsername(lookup.user) },
        });
      throw error;
    }
  }

  private async check(
    request: LoginRequest,
    lookup: Lookup,
    name: string,
    username: string,
    password: string,
    deviceToken: string | undefined,
  ): Promise<{ verified: User; trusted: string | undefined }> {
    const address = await this.limiter.enforce(
      this.budget(
        LoginBudget.Address,
        addressTracker(request.ip),
        failedLoginLimits(this.config).address,
      ),
      request.rateLimit,
      'this client address',
    );
    let user: User | null;
    let trusted: string | undefined;
    let reserved: Reserved[];
    try {
      user = isValidUsername(username)
        ? await this.users.findByUsername(name)
        : null;
      lookup.user = user;
      // Looked up for unknown users too, so the answer takes as long.
      trusted = await this.devices.trustedId(deviceToken, user?.id);
      reserved = [
        { name: LoginBudget.Address, charge: address },
        await this.reserve(request, name, trusted),
      ];
    } catch (error) {
      // Refused before any password check: not an attempt on the address either.
      await address.refund();
      throw error;
    }
    let verified: User;
    try {
      verified = await this.credentials.verify(user, password);
    } catch (error) {
      this.recordFailure(error, user, clientOf(request));
      // Only a wrong password (or unknown user) is a failed guess; a
      // disabled account's right password or a full hashing queue is not.
      if (
        !(error instanceof ApiException) ||
        error.code !== ErrorCode.InvalidCredentials
      )
        await this.refund(request, reserved);
      throw error;
    }
    await this.refund(request, reserved);
    return { verified, trusted };
  }

  /** A wrong password, an unknown user or a disabled account; never the password itself. */
  private recordFailure(
    error: unknown,
    user: User | null,
    client: ClientInfo,
  ): void {
    if (
      !(error instanceof ApiException) ||
      (error.code !== ErrorCode.InvalidCredentials &&
        error.code !== ErrorCode.AccountDisabled)
    )
      return;
    this.audit.record({
      type: AuditEventType.LoginFailed,
      userId: user?.id ?? null,
      client,
      actorId: null,
      detail: { username: auditedUsername(user), reason: error.code },
    });
  }

  /** Reserves the attempt on the trusted device, else on the account; 429 when the account's is used up. */
  private async reserve(
    request: LoginRequest,
    name: string,
    trustedDeviceId: string | undefined,
  ): Promise<Reserved> {
    const limit = failedLoginLimits(this.config).account;
    if (trustedDeviceId !== undefined) {
      const device = this.budget(
        LoginBudget.Device,
        `device:${trustedDeviceId}`,
        limit,
      );
      const charge = await this.limiter.charge(device);
      // A device token past its own failure budget stops counting: the
      // attempt falls back to the account budget like any other.
      if (!charge.blocked) {
        report(request.rateLimit, device, charge);
        return { name: LoginBudget.Device, charge };
      }
    }
    const charge = await this.limiter.enforce(
      this.budget(LoginBudget.Account, accountTracker(name), limit),
      request.rateLimit,
      'this account',
    );
    return { name: LoginBudget.Account, charge };
  }

  /** Gives the reserved slots back, and says so in the RateLimit headers. */
  private async refund(
    request: LoginRequest,
    reserved: readonly Reserved[],
  ): Promise<void> {
    await Promise.all(reserved.map(({ charge }) => charge.refund()));
    for (const { name } of reserved) request.rateLimit?.refunded(name);
  }

  private budget(
    name: LoginBudget,
    tracker: string,
    limit: number,
  ): BudgetSpec {
    return {
      name,
      scope: LOGIN_SCOPE,
      tracker,
      limit,
      windowSeconds: this.config.rateLimitWindowSeconds,
    };
  }
}

/** The account budget's tracker: passwords and second-factor codes share it. */
function accountTracker(normalisedUsername: string): string {
  return `username:${normalisedUsername}`;
}

/**
 * The username an audit event of a login records: the account's own, from
 * the lookup the password check needs anyway (no query of its own, so the
 * answer takes no longer for either kind of name), else UNKNOWN_USERNAME.
 */
function auditedUsername(user: Pick<User, 'username'> | null): string {
  return user?.username ?? UNKNOWN_USERNAME;
}
