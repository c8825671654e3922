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
import { RevocationService } from '../../revocation/revocation.service';
import {
  PresentedSession,
  SELECT_PRESENTED_SESSION,
  toPresentedSession,
} from './presented-session';
import { SessionActivity } from './session-activity';
import {
  ancestryKey,
  generationProof,
  parseRefreshToken,
  provenGeneration,
  rotationKey,
  sameHash,
  SESSION_ID_FORMAT,
  successorSecret,
} from './refresh-token-secret';
import { randomToken } from '../../common/random-token';
import { sha256Hex } from '../../common/sha256';

/** A listing is for people; a bot that logs in in a loop does not get an endless page. */
const MAX_LISTED_SESSIONS = 500;

/** The one answer to any refresh token that cannot be used, whatever the reason. */
export function refreshTokenInvalid(): ApiException {
  return new ApiException(
    ErrorCode.RefreshTokenInvalid,
    'Refresh token is invalid, expired or revoked',
  );
}

/** How a session's user authenticated: RFC 8176 methods and when (epoch ms). */
export interface SessionAuthentication {
  amr: readonly string[];
  authTimeMs: number;
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
 * refresh replaces the secret by its successor (see refresh-token-secret),
 * and the token carries its generation under a MAC, so a retired one is
 * recognised without walking the chain.
 */
@Injectable()
export class SessionService {
  private readonly key: Buffer;
  private readonly proofKey: Buffer;

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
    this.proofKey = ancestryKey(config.jwtSecret);
  }

  /**
   * `sessionEpoch`: the user's epoch as read when the credentials were
   * checked; `authentication`: how they were checked, which the session's
   * access tokens carry as `amr` and `auth_time`, refresh after refresh.
   */
  async create(
    userId: number,
    sessionEpoch: number,
    client: ClientInfo,
    authentication: SessionAuthentication,
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
      amr: authentication.amr.join(','),
      authTime: authentication.authTimeMs,
    });
    return { sessionId, refreshToken: this.token(sessionId, 0, secret) };
  }

  /**
   * A step-up on a live session of the user: from now on its access tokens
   * say `amr` (with the second factor) and this `auth_time`, refreshes
   * included. False when the session is no longer live.
   */
  async recordAuthentication(
    sessionId: string,
    userId: number,
    authentication: SessionAuthentication,
  ): Promise<boolean> {
    const result = await this.sessions.update(
      { id: sessionId, userId, revokedAt: IsNull() },
      {
        amr: authentication.amr.join(','),
        authTime: authentication.authTimeMs,
      },
    );
    return result.affected === 1;
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
          refreshToken: this.token(
            session.id,
            session.generation + 1,
            successor,
          ),
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
          refreshToken: this.token(session.id, session.generation, successor),
        };
      return { kind: 'reused', session };
    }
    // An older ancestor proves itself with one HMAC, whatever its age. A
    // token without a proof (issued before proofs existed, or with rotation
    // off) that is neither current nor parent is only refused.
    const generation =
      parsed.proof === undefined
        ? undefined
        : provenGeneration(
            this.proofKey,
            session.id,
            parsed.secret,
            parsed.proof,
          );
    if (generation !== undefined && generation < session.generation)
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

  /**
   * Ends every session of the user except `keepId`, however many there are,
   * and their access tokens on every instance; returns how many. One
   * unbounded UPDATE picks them, not the listing (a page of 500), which left
   * a session 500 logins old alive. No epoch bump: that would refuse the
   * kept session's refresh and end the user's API keys, and a login still
   * in flight holds the password anyway, which this does not change.
   */
  async revokeAllExcept(userId: number, keepId: string): Promise<number> {
    const ended = await this.revocation.revokeSessionsWith(
      userId,
      async (manager) => {
        const now = Date.now();
        await manager
          .createQueryBuilder()
          .update(Session)
          .set({ revokedAt: now })
          .where('user_id = :userId AND id <> :keepId AND revoked_at IS NULL', {
            userId,
            keepId,
          })
          .execute();
        // Read back in the same transaction: the rows it stamped (ids only,
        // so thousands cost little), whose access tokens must die too. A
        // session another revocation stamped in the same millisecond is
        // named twice, which changes nothing.
        const rows = await manager
          .createQueryBuilder(Session, 's')
          .select('s.id', 'id')
          .where(
            's.user_id = :userId AND s.revoked_at = :now AND s.id <> :keepId',
            { userId, now, keepId },
          )
          .getRawMany<{ id: string }>();
        return rows.map((row) => String(row.id));
      },
    );
    return ended.length;
  }

  /**
   * A change of the user's own credentials from one of their sessions (a
   * password change): applies `changes` to the user and moves their
   * session epoch on in one transaction, carrying `keepId` along. A login
   * in flight that checked the old password inserts a session behind the
   * epoch (refused on refresh), as do all the others; revokeAllExcept then
   * ends those at once.
   */
  async changeUserKeeping(
    userId: number,
    keepId: string,
    changes: Partial<User>,
  ): Promise<void> {
    await this.transactions.run(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(User)
        .set({ ...changes, sessionEpoch: () => 'session_epoch + 1' })
        .where('id = :id', { id: userId })
        .execute();
      const user = await manager.findOne(User, {
        where: { id: userId },
        select: { id: true, sessionEpoch: true },
      });
      if (user)
        await manager.update(
          Session,
          { id: keepId, userId },
          { sessionEpoch: user.sessionEpoch },
        );
    });
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

  /** A token as the client gets it: with its generation proof when rotation is on. */
  private token(sessionId: string, generation: number, secret: string): string {
    if (!this.config.refreshRotation) return `${sessionId}.${secret}`;
    const proof = generationProof(this.proofKey, sessionId, generation, secret);
    return `${sessionId}.${secret}.${proof}`;
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
