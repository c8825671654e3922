import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { ClientInfo } from '../../common/client-info';
import { AppConfig } from '../../config/app-config';
import { PreparedStatements } from '../../database/prepared-statements';
import { TransactionRunner } from '../../database/transaction-runner';
import { User } from '../../users/entities/user.entity';
import { Session } from '../entities/session.entity';
import { RevocationService } from '../revocation/revocation.service';
import {
  PresentedSession,
  SELECT_PRESENTED_SESSION,
  toPresentedSession,
} from './presented-session';
import { SessionActivity } from './session-activity';
import {
  isAncestor,
  parseRefreshToken,
  rotationKey,
  sameHash,
  SESSION_ID_FORMAT,
  successorSecret,
} from './refresh-token-secret';
import { randomToken } from '../../common/random-token';
import { sha256Hex } from '../../common/sha256';

/** How far back a retired refresh token is traced (a week of 15-minute refreshes is 672). */
const MAX_TRACED_GENERATIONS = 10_000;
/** A listing is for people; a bot that logs in in a loop does not get an endless page. */
const MAX_LISTED_SESSIONS = 500;

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

/** What presenting a refresh token led to. */
export type SessionUse =
  /** A live session; `refreshToken` is its new token when rotation is on. */
  | { kind: 'used'; session: PresentedSession; refreshToken?: string }
  /** A token retired longer ago than the grace: the caller ends the session. */
  | { kind: 'reused'; session: PresentedSession };

/** Replaces the secret only if it is still the one presented (a parallel refresh may have rotated it). */
const ROTATE =
  'UPDATE refresh_tokens SET token_hash = ?, previous_hash = ?, rotated_at = ?,' +
  ' generation = generation + 1, last_used_at = ?, ip = ?, user_agent = ?' +
  ' WHERE id = ? AND token_hash = ? AND revoked_at IS NULL';

/**
 * Login sessions, one per refresh token (`<session id>.<secret>`). The
 * session id finds the row by primary key; the secret is compared, as a
 * SHA-256, in constant time. Only hashes are stored. With rotation on, each
 * refresh replaces the secret by its successor (see refresh-token-secret).
 */
@Injectable()
export class SessionService {
  private readonly key: Buffer;

  constructor(
    @InjectRepository(Session)
    private readonly sessions: Repository<Session>,
    private readonly revocation: RevocationService,
    private readonly transactions: TransactionRunner,
    private readonly statements: PreparedStatements,
    private readonly activity: SessionActivity,
    private readonly config: AppConfig,
  ) {
    this.key = rotationKey(config.jwtSecret);
  }

  /** `sessionEpoch`: the user's epoch as read when the credentials were checked. */
  async create(
    userId: number,
    sessionEpoch: number,
    client: ClientInfo,
  ): Promise<NewSession> {
    const sessionId = randomToken(16);
    const secret = randomToken(32);
    const now = Date.now();
    await this.sessions.insert({
      id: sessionId,
      userId,
      tokenHash: sha256Hex(secret),
      createdAt: now,
      expiresAt: now + this.config.refreshTokenTtl * 1000,
      revokedAt: null,
      sessionEpoch,
      lastUsedAt: now,
      ip: client.ip,
      userAgent: client.userAgent,
      previousHash: null,
      rotatedAt: null,
      generation: 0,
    });
    return { sessionId, refreshToken: `${sessionId}.${secret}` };
  }

  /**
   * Presents a refresh token: records the use, and rotates it when rotation
   * is on. A retired token within the grace gets the same successor as the
   * first presentation; after it, the result is `reused`. Anything else is
   * 401 refresh_token_invalid. One read (the session with its owner, a
   * prepared statement); the use is written behind the request
   * (SessionActivity), a rotation at once.
   */
  async use(refreshToken: string, client: ClientInfo): Promise<SessionUse> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw refreshTokenInvalid();
    const now = Date.now();
    let session = await this.presented(parsed.sessionId);
    if (!session || !this.isLive(session, now)) throw refreshTokenInvalid();
    const presented = sha256Hex(parsed.secret);

    if (sameHash(session.tokenHash, presented)) {
      if (!this.config.refreshRotation) {
        this.activity.note(session.id, {
          atMs: now,
          ip: client.ip,
          userAgent: client.userAgent,
        });
        return { kind: 'used', session };
      }
      const successor = successorSecret(this.key, parsed.secret);
      if (await this.rotate(session, presented, successor, now, client))
        return {
          kind: 'used',
          session,
          refreshToken: `${session.id}.${successor}`,
        };
      // A parallel refresh with the same token rotated it first: answer
      // as its retry.
      session = await this.presented(parsed.sessionId);
      if (!session || !this.isLive(session, now)) throw refreshTokenInvalid();
    }

    if (sameHash(session.previousHash, presented)) {
      const successor = successorSecret(this.key, parsed.secret);
      const withinGrace =
        session.rotatedAt !== null &&
        now - session.rotatedAt <= this.config.refreshReuseGraceSeconds * 1000;
      if (withinGrace && sameHash(session.tokenHash, sha256Hex(successor)))
        return {
          kind: 'used',
          session,
          refreshToken: `${session.id}.${successor}`,
        };
      return { kind: 'reused', session };
    }
    if (
      isAncestor(
        this.key,
        parsed.secret,
        session.tokenHash,
        Math.min(session.generation, MAX_TRACED_GENERATIONS),
      )
    )
      return { kind: 'reused', session };
    throw refreshTokenInvalid();
  }

  /** The user's live sessions, newest first. */
  async listLive(userId: number): Promise<Session[]> {
    const now = Date.now();
    const rows = await this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: MAX_LISTED_SESSIONS,
    });
    return rows
      .map((session) => this.withPendingUse(session))
      .filter((session) => this.isLive(session, now));
  }

  /** The user's live session with this id, or undefined (also for a malformed id). */
  async findLive(
    userId: number,
    sessionId: string,
  ): Promise<Session | undefined> {
    if (!SESSION_ID_FORMAT.test(sessionId)) return undefined;
    const row = await this.sessions.findOneBy({ id: sessionId, userId });
    const session = row && this.withPendingUse(row);
    return session && this.isLive(session, Date.now()) ? session : undefined;
  }

  /** Ends one session: its refresh token stops working and its access tokens are rejected. */
  revoke(sessionId: string, userId: number): Promise<void> {
    return this.revocation.revokeSession(sessionId, userId);
  }

  /** Ends every live session of the user except `keepId`; returns how many. */
  async revokeAllExcept(userId: number, keepId: string): Promise<number> {
    const ids = (await this.listLive(userId))
      .map((session) => session.id)
      .filter((id) => id !== keepId);
    await this.revocation.revokeSessions(ids, userId);
    return ids.length;
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
        Session,
        { userId, revokedAt: IsNull() },
        { revokedAt: Date.now() },
      );
    });
  }

  private async presented(
    sessionId: string,
  ): Promise<PresentedSession | undefined> {
    const row = await this.statements.one(SELECT_PRESENTED_SESSION, [
      sessionId,
    ]);
    return row && this.withPendingUse(toPresentedSession(row));
  }

  /** The session as this instance knows it: with its use not yet written, if newer. */
  private withPendingUse<
    T extends Pick<Session, 'id' | 'lastUsedAt'> &
      Partial<Pick<Session, 'ip' | 'userAgent'>>,
  >(session: T): T {
    const use = this.activity.latest(session.id);
    if (!use || use.atMs <= (session.lastUsedAt ?? 0)) return session;
    return Object.assign(session, {
      lastUsedAt: use.atMs,
      ip: use.ip,
      userAgent: use.userAgent,
    });
  }

  private isLive(
    session: Pick<
      Session,
      'revokedAt' | 'expiresAt' | 'lastUsedAt' | 'createdAt'
    >,
    now: number,
  ): boolean {
    const idle = this.config.refreshIdleTtl;
    return (
      session.revokedAt === null &&
      session.expiresAt > now &&
      (idle === undefined ||
        (session.lastUsedAt ?? session.createdAt) + idle * 1000 > now)
    );
  }

  /** Replaces the secret if it is still `presented`; false when another refresh did first. */
  private async rotate(
    session: PresentedSession,
    presented: string,
    successor: string,
    now: number,
    client: ClientInfo,
  ): Promise<boolean> {
    const changed = await this.statements.run(ROTATE, [
      sha256Hex(successor),
      presented,
      now,
      now,
      client.ip,
      client.userAgent,
      session.id,
      presented,
    ]);
    return changed === 1;
  }
}
