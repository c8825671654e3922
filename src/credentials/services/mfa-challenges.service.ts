import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { LessThanOrEqual, Repository } from 'typeorm';
import { randomToken } from '../../common/random-token';
import { sha256Hex } from '../../common/sha256';
import { MfaChallenge } from '../entities/mfa-challenge.entity';

/** Seconds an mfa_token lives. */
export const MFA_CHALLENGE_TTL_SECONDS = 300;
/** Codes one mfa_token may be tried with; the last wrong one kills it. */
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;
/** `<id>.<secret>`: 16 random bytes of id, 32 of secret, base64url. */
const MFA_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
/** Expired rows are deleted at most this often, by a login that creates one. */
const PURGE_INTERVAL_MS = 600_000;

export interface IssuedChallenge {
  mfa_token: string;
  mfa_expires_in: number;
}

/** An attempt claimed on a live challenge: the code may now be checked. */
export interface ClaimedAttempt {
  id: string;
  userId: number;
}

/**
 * The `mfa_token` between the two steps of a login: opaque, single use,
 * MFA_CHALLENGE_TTL_SECONDS, and good for MFA_CHALLENGE_MAX_ATTEMPTS codes.
 * Each attempt is claimed by one conditional UPDATE before its code is
 * checked, so parallel requests (on any instance) cannot try more codes
 * than that; a right code deletes the row, so it is used once.
 */
@Injectable()
export class MfaChallenges {
  private nextPurgeAt = 0;

  constructor(
    @InjectRepository(MfaChallenge)
    private readonly challenges: Repository<MfaChallenge>,
  ) {}

  async create(userId: number): Promise<IssuedChallenge> {
    const id = randomToken(16);
    const secret = randomToken(32);
    const now = Date.now();
    await this.challenges.insert({
      id,
      userId,
      secretHash: sha256Hex(secret),
      failures: 0,
      createdAt: now,
      expiresAt: now + MFA_CHALLENGE_TTL_SECONDS * 1000,
    });
    if (now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_INTERVAL_MS;
      await this.challenges.delete({ expiresAt: LessThanOrEqual(now) });
    }
    return {
      mfa_token: `${id}.${secret}`,
      mfa_expires_in: MFA_CHALLENGE_TTL_SECONDS,
    };
  }

  /** One attempt on a live challenge, or undefined (unknown, expired, used up, malformed). */
  async claimAttempt(token: string): Promise<ClaimedAttempt | undefined> {
    const match = MFA_TOKEN_FORMAT.exec(token);
    if (!match) return undefined;
    const now = Date.now();
    const row = await this.challenges.findOneBy({ id: match[1] });
    if (!row || row.expiresAt <= now) return undefined;
    const stored = Buffer.from(row.secretHash, 'hex');
    const presented = Buffer.from(sha256Hex(match[2]), 'hex');
    if (
      stored.length !== presented.length ||
      !timingSafeEqual(stored, presented)
    )
      return undefined;
    const claimed = await this.challenges
      .createQueryBuilder()
      .update(MfaChallenge)
      .set({ failures: () => 'failures + 1' })
      .where('id = :id AND failures < :max AND expires_at > :now', {
        id: row.id,
        max: MFA_CHALLENGE_MAX_ATTEMPTS,
        now,
      })
      .execute();
    return claimed.affected === 1
      ? { id: row.id, userId: row.userId }
      : undefined;
  }

  /** Ends a challenge whose code was right; false when another request ended it first. */
  async complete(id: string): Promise<boolean> {
    const result = await this.challenges.delete({ id });
    return result.affected === 1;
  }

  /** A user's factor was turned off or reset: their pending logins end too. */
  async removeAll(userId: number): Promise<void> {
    await this.challenges.delete({ userId });
  }
}
