import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import { User } from '../../users/entities/user.entity';
import { RefreshToken } from '../entities/refresh-token.entity';
import { RevocationService } from '../revocation/revocation.service';

/** `<session id>.<secret>`: 16 random bytes of id, 32 (256 bits) of secret, base64url. */
const REFRESH_TOKEN_FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The one answer to any refresh token that cannot be used, whatever the reason. */
export function refreshTokenInvalid(): ApiException {
  return new ApiException(
    ErrorCode.RefreshTokenInvalid,
    'Refresh token is invalid, expired or revoked',
  );
}

export interface NewSession {
  sessionId: string;
  refreshToken: string;
}

/**
 * Login sessions and their opaque refresh tokens. The session id half finds
 * the row by primary key; the secret half is compared, as a SHA-256, in
 * constant time. Only the hash is stored.
 */
@Injectable()
export class SessionService {
  constructor(
    @InjectRepository(RefreshToken)
    private readonly sessions: Repository<RefreshToken>,
    private readonly revocation: RevocationService,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
  ) {}

  /** `sessionEpoch`: the user's epoch as read when the credentials were checked. */
  async create(userId: number, sessionEpoch: number): Promise<NewSession> {
    const sessionId = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.sessions.insert({
      id: sessionId,
      userId,
      tokenHash: sha256Hex(secret),
      createdAt: now,
      expiresAt: now + this.config.refreshTokenTtl * 1000,
      revokedAt: null,
      sessionEpoch,
    });
    return { sessionId, refreshToken: `${sessionId}.${secret}` };
  }

  /** The live session a refresh token belongs to; 401 refresh_token_invalid for anything else. */
  async verify(refreshToken: string): Promise<RefreshToken> {
    const match = REFRESH_TOKEN_FORMAT.exec(refreshToken);
    if (!match) throw refreshTokenInvalid();
    const session = await this.sessions.findOneBy({ id: match[1] });
    const presented = Buffer.from(sha256Hex(match[2]), 'hex');
    const stored = Buffer.from(session?.tokenHash ?? '', 'hex');
    if (
      !session ||
      stored.length !== presented.length ||
      !timingSafeEqual(stored, presented) ||
      session.revokedAt !== null ||
      session.expiresAt <= Date.now()
    ) {
      throw refreshTokenInvalid();
    }
    return session;
  }

  /** Ends one session: its refresh token stops working and its access tokens are rejected. */
  revoke(sessionId: string, userId: number): Promise<void> {
    return this.revocation.revokeSession(sessionId, userId);
  }

  /**
   * Revokes every live session of the user, and moves the user's session
   * epoch on so a session a login in flight inserts afterwards is refused too.
   * Their access tokens are revoked by the caller (token_version).
   */
  async revokeAll(userId: number): Promise<void> {
    await this.transactions.run(async (manager) => {
      await manager.increment(User, { id: userId }, 'sessionEpoch', 1);
      await manager.update(
        RefreshToken,
        { userId, revokedAt: IsNull() },
        { revokedAt: Date.now() },
      );
    });
  }
}
