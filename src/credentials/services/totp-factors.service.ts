import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Secret, TOTP } from 'otpauth';
import { IsNull, Not, QueryFailedError, Repository } from 'typeorm';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { DataEncryption } from '../../encryption/data-encryption';
import { TotpFactor } from '../entities/totp-factor.entity';

/** What authenticator apps expect (RFC 6238's defaults): SHA-1, 6 digits, 30 s steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now that are accepted: a phone's clock a little off, a code typed at the end of its step. */
const TOTP_WINDOW = 1;
/** 160 bits, RFC 4226's recommended seed length for HMAC-SHA-1. */
const SEED_BYTES = 20;
/** How long a started enrolment can be confirmed. */
export const ENROLMENT_TTL_SECONDS = 600;
const SEED_PURPOSE = 'totp-seed';

/** How long this instance trusts what it read of a user's factor for the policy checks (MfaGuard): never for a login. */
const STATUS_MEMO_MS = 30_000;
const STATUS_MEMO_ENTRIES = 10_000;

export interface TotpEnrolment {
  /** The seed, base32, for typing into an app by hand. */
  secret: string;
  otpauth_uri: string;
  expires_in: number;
}

export interface TotpStatus {
  enabled: boolean;
  /** Epoch ms, null when not enabled. */
  enabledAt: number | null;
}

/**
 * A user's TOTP factor: enrolment (pending, then confirmed by a first code),
 * verification with replay protection, and removal. The seed is sealed by
 * DataEncryption under its own purpose with the user id as context; the
 * TOTP arithmetic is otpauth's.
 *
 * Replay: a code is accepted at most once per user and time step, and never
 * one of a step older than the last accepted: one conditional UPDATE of
 * `last_used_step`, so two instances (or two requests) that check the same
 * code at once cannot both win. It needs no Redis: the factor row is read
 * from the database for every check anyway.
 */
@Injectable()
export class TotpFactors {
  private readonly statusMemo = new Map<
    number,
    { enabled: boolean; atMs: number }
  >();

  constructor(
    @InjectRepository(TotpFactor)
    private readonly factors: Repository<TotpFactor>,
    private readonly encryption: DataEncryption,
    private readonly config: AppConfig,
  ) {}

  async status(userId: number): Promise<TotpStatus> {
    const row = await this.factors.findOneBy({ userId });
    const enabledAt = row?.enabledAt ?? null;
    return { enabled: enabledAt !== null, enabledAt };
  }

  /** Read from the database: what a login decides on. */
  async isEnabled(userId: number): Promise<boolean> {
    const enabled = await this.factors.exists({
      where: { userId, enabledAt: Not(IsNull()) },
    });
    this.remember(userId, enabled);
    return enabled;
  }

  /**
   * Whether the user has the factor on, as this instance read it at most
   * STATUS_MEMO_MS ago: for the checks that run on requests (the enrolment
   * policy, @RequireMfa's choice between 401 and 403), never for a login.
   * Changes made on this instance are seen at once. Synchronous when
   * remembered, so a guard that asks stays on Nest's synchronous path.
   */
  isEnabledRecently(userId: number): boolean | Promise<boolean> {
    const known = this.statusMemo.get(userId);
    if (known !== undefined && Date.now() - known.atMs < STATUS_MEMO_MS)
      return known.enabled;
    return this.isEnabled(userId);
  }

  /** Starts (or restarts) an enrolment; 409 conflict when the factor is already on. */
  async begin(userId: number, username: string): Promise<TotpEnrolment> {
    const existing = await this.factors.findOneBy({ userId });
    if (existing && existing.enabledAt !== null) throw alreadyOn();
    const secret = new Secret({ size: SEED_BYTES });
    const now = Date.now();
    const fields = {
      sealedSecret: this.encryption.seal(
        SEED_PURPOSE,
        Buffer.from(secret.bytes),
        String(userId),
      ),
      createdAt: now,
      pendingExpiresAt: now + ENROLMENT_TTL_SECONDS * 1000,
      lastUsedStep: null,
    };
    if (existing) {
      // Only while still pending: a confirm on another instance may have won.
      const result = await this.factors.update(
        { userId, enabledAt: IsNull() },
        fields,
      );
      if (result.affected === 0) throw alreadyOn();
    } else {
      try {
        await this.factors.insert({ userId, enabledAt: null, ...fields });
      } catch (error) {
        // The same user's other request inserted first (the primary key);
        // anything else (the database away) is not the client's conflict.
        if (!(error instanceof QueryFailedError)) throw error;
        throw new ApiException(
          ErrorCode.Conflict,
          'Another enrolment was started at the same moment; try again',
        );
      }
    }
    return {
      secret: secret.base32,
      otpauth_uri: this.totp(secret, username).toString(),
      expires_in: ENROLMENT_TTL_SECONDS,
    };
  }

  /**
   * Turns a pending enrolment on with its first code: true when it did,
   * false for a wrong code; 404 not_found when nothing is pending (none
   * started, expired, or already confirmed).
   */
  async confirm(userId: number, code: string): Promise<boolean> {
    const now = Date.now();
    const row = await this.factors.findOneBy({ userId, enabledAt: IsNull() });
    if (!row || row.pendingExpiresAt === null || row.pendingExpiresAt <= now)
      throw new ApiException(
        ErrorCode.NotFound,
        'No pending TOTP enrolment; start one with POST /auth/mfa/totp',
      );
    const step = this.stepOf(row, code, now);
    if (step === undefined) return false;
    const result = await this.factors.update(
      { userId, enabledAt: IsNull(), sealedSecret: row.sealedSecret },
      { enabledAt: now, pendingExpiresAt: null, lastUsedStep: step },
    );
    if (result.affected === 0) return false;
    this.remember(userId, true);
    return true;
  }

  /**
   * Whether `code` is the user's current TOTP code (±1 step) and was not
   * used before; false too when the user has no factor on.
   */
  async verify(userId: number, code: string): Promise<boolean> {
    const now = Date.now();
    const row = await this.factors.findOneBy({
      userId,
      enabledAt: Not(IsNull()),
    });
    if (!row) return false;
    const step = this.stepOf(row, code, now);
    if (step === undefined) return false;
    const result = await this.factors
      .createQueryBuilder()
      .update(TotpFactor)
      .set({ lastUsedStep: step })
      .where('user_id = :userId AND enabled_at IS NOT NULL', { userId })
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', {
        step,
      })
      .execute();
    return result.affected === 1;
  }

  /** Removes the factor, pending or on; whether one was on. */
  async remove(userId: number): Promise<boolean> {
    const wasOn = await this.isEnabled(userId);
    await this.factors.delete({ userId });
    this.remember(userId, false);
    return wasOn;
  }

  /** The time step `code` belongs to, if it is a code of this seed within the window now. */
  private stepOf(
    row: TotpFactor,
    code: string,
    nowMs: number,
  ): number | undefined {
    const seed = this.encryption.open(
      SEED_PURPOSE,
      row.sealedSecret,
      String(row.userId),
    );
    const totp = this.totp(
      new Secret({ buffer: Uint8Array.from(seed).buffer }),
    );
    const delta = totp.validate({
      token: code,
      timestamp: nowMs,
      window: TOTP_WINDOW,
    });
    if (delta === null) return undefined;
    return totp.counter({ timestamp: nowMs }) + delta;
  }

  private totp(secret: Secret, username = ''): TOTP {
    return new TOTP({
      issuer: this.config.mfaIssuer,
      label: username,
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
      secret,
    });
  }

  private remember(userId: number, enabled: boolean): void {
    this.statusMemo.delete(userId);
    if (this.statusMemo.size >= STATUS_MEMO_ENTRIES) {
      const oldest = this.statusMemo.keys().next();
      if (!oldest.done) this.statusMemo.delete(oldest.value);
    }
    this.statusMemo.set(userId, { enabled, atMs: Date.now() });
  }
}

function alreadyOn(): ApiException {
  return new ApiException(
    ErrorCode.Conflict,
    'A TOTP factor is already on; turn it off first (DELETE /auth/mfa/totp)',
  );
}
