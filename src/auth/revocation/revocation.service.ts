import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, MoreThanOrEqual, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/entities/user.entity';
import { BlocklistedJti } from '../entities/blocklisted-jti.entity';
import { RefreshToken } from '../entities/refresh-token.entity';
import { Principal } from '../principal';
import { ExpiringIdSet } from './expiring-id-set';
import { RevocationEvent } from './revocation-event';

/** Rows are re-read this far back on every sync: covers clock skew between instances and late commits. */
const SYNC_OVERLAP_MS = 10_000;
const LOAD_PAGE_SIZE = 50_000;

/**
 * Which access tokens no longer count, answered from memory on every request.
 *
 * Three facts revoke a token: its JTI is blocklisted (logout), its session
 * was revoked (logout, so sibling tokens of the session die too), or its
 * user's token_version moved past the one it carries (disable, tier or
 * password change, revoke-all). The database is the source of truth: the
 * state is loaded at start-up, written through on every revocation, and other
 * instances' revocations are read every REVOCATION_SYNC_MS (the bound stated
 * in the README). Expired entries are purged from memory and database alike.
 */
@Injectable()
export class RevocationService
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(RevocationService.name);
  private readonly blockedJtis = new ExpiringIdSet();
  private readonly revokedSessions = new ExpiringIdSet();
  private readonly userVersions = new Map<number, number>();
  private readonly listeners = new Set<(event: RevocationEvent) => void>();
  private syncedUntilMs = 0;
  private timers: NodeJS.Timeout[] = [];
  private syncing = false;

  constructor(
    @InjectRepository(BlocklistedJti)
    private readonly blocklist: Repository<BlocklistedJti>,
    @InjectRepository(RefreshToken)
    private readonly sessions: Repository<RefreshToken>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    await this.load(started);
    this.logger.log(
      `revocation state loaded in ${Date.now() - started} ms: ${this.blockedJtis.size} blocklisted JTIs, ` +
        `${this.revokedSessions.size} revoked sessions, ${this.userVersions.size} users with revoked tokens`,
    );
    this.every(this.config.revocationSyncMs, () => this.sync());
    this.every(this.config.blocklistPurgeSeconds * 1000, () => this.purge());
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** The per-request check: three in-memory lookups, no I/O. */
  isRevoked(principal: Principal): boolean {
    return (
      this.blockedJtis.has(principal.jti) ||
      this.revokedSessions.has(principal.sessionId) ||
      (this.userVersions.get(principal.id) ?? 0) > principal.tokenVersion
    );
  }

  onRevoked(listener: (event: RevocationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Blocklists one access token until its own expiry. */
  async revokeToken(principal: Principal): Promise<void> {
    const expiresAtMs = principal.expiresAt * 1000;
    await this.blocklist
      .createQueryBuilder()
      .insert()
      .values({
        jti: principal.jti,
        userId: principal.id,
        expiresAt: expiresAtMs,
        createdAt: Date.now(),
      })
      .orIgnore()
      .execute();
    this.addBlockedJti(principal.jti, expiresAtMs);
  }

  /** Records in memory that a session was revoked (the caller wrote refresh_tokens.revoked_at). */
  sessionRevoked(sessionId: string, revokedAtMs: number): void {
    this.addRevokedSession(sessionId, revokedAtMs);
  }

  /**
   * Makes every access token the user holds invalid by bumping token_version,
   * applying `changes` to the user row in the same UPDATE (a tier change and
   * the revocation it implies land together or not at all). Returns the new
   * version, or undefined when the user does not exist.
   */
  async revokeUserTokens(
    userId: number,
    changes: Partial<User> = {},
  ): Promise<number | undefined> {
    const result = await this.users
      .createQueryBuilder()
      .update(User)
      .set({
        ...changes,
        tokenVersion: () => 'token_version + 1',
        tokensRevokedAt: Date.now(),
      })
      .where('id = :userId', { userId })
      .execute();
    if (result.affected === 0) return undefined;
    const user = await this.users.findOne({
      where: { id: userId },
      select: { id: true, tokenVersion: true },
    });
    if (!user) return undefined;
    this.setUserVersion(userId, user.tokenVersion);
    return user.tokenVersion;
  }

  /** Reads what other instances revoked since the last look. Runs every REVOCATION_SYNC_MS. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    const started = Date.now();
    const since = this.syncedUntilMs - SYNC_OVERLAP_MS;
    try {
      const [jtis, sessions, users] = await Promise.all([
        this.blocklist.find({
          select: { jti: true, expiresAt: true },
          where: {
            createdAt: MoreThanOrEqual(since),
            expiresAt: MoreThan(started),
          },
        }),
        this.sessions.find({
          select: { id: true, revokedAt: true },
          where: { revokedAt: MoreThanOrEqual(since) },
        }),
        this.users.find({
          select: { id: true, tokenVersion: true },
          where: { tokensRevokedAt: MoreThanOrEqual(since) },
        }),
      ]);
      for (const row of jtis) this.addBlockedJti(row.jti, row.expiresAt);
      for (const row of sessions)
        this.addRevokedSession(row.id, row.revokedAt!);
      for (const row of users) this.setUserVersion(row.id, row.tokenVersion);
      this.syncedUntilMs = started;
    } finally {
      this.syncing = false;
    }
  }

  /** Deletes blocklist rows and sessions that can no longer be used, and forgets them in memory. */
  async purge(): Promise<void> {
    const now = Date.now();
    await this.blocklist
      .createQueryBuilder()
      .delete()
      .where('expires_at <= :now', { now })
      .execute();
    await this.sessions
      .createQueryBuilder()
      .delete()
      .where('expires_at <= :now', { now })
      .execute();
    this.blockedJtis.sweep(now);
    this.revokedSessions.sweep(now);
  }

  private async load(now: number): Promise<void> {
    // Keyset pages over the primary key: 1,000,000 rows load without one
    // giant result set. Raw rows: no entity objects for a million rows.
    let after = '';
    for (;;) {
      const page = await this.blocklist
        .createQueryBuilder('b')
        .select('b.jti', 'jti')
        .addSelect('b.expires_at', 'expiresAt')
        .where('b.jti > :after AND b.expires_at > :now', { after, now })
        .orderBy('b.jti', 'ASC')
        .limit(LOAD_PAGE_SIZE)
        .getRawMany<{ jti: string; expiresAt: string | number }>();
      for (const row of page)
        this.blockedJtis.add(row.jti, Number(row.expiresAt));
      if (page.length < LOAD_PAGE_SIZE) break;
      after = page[page.length - 1].jti;
    }
    const recentlyRevoked = await this.sessions.find({
      select: { id: true, revokedAt: true },
      where: { revokedAt: MoreThan(now - this.config.accessTokenTtl * 1000) },
    });
    for (const row of recentlyRevoked)
      this.revokedSessions.add(
        row.id,
        row.revokedAt! + this.config.accessTokenTtl * 1000,
      );
    const users = await this.users.find({
      select: { id: true, tokenVersion: true },
      where: { tokenVersion: MoreThan(0) },
    });
    for (const user of users) this.userVersions.set(user.id, user.tokenVersion);
    this.syncedUntilMs = now;
  }

  private addBlockedJti(jti: string, expiresAtMs: number): void {
    if (this.blockedJtis.add(jti, expiresAtMs))
      this.emit({ kind: 'token', jti });
  }

  /** Any access token of the session expires within one access-token lifetime of the revocation. */
  private addRevokedSession(sessionId: string, revokedAtMs: number): void {
    if (
      this.revokedSessions.add(
        sessionId,
        revokedAtMs + this.config.accessTokenTtl * 1000,
      )
    ) {
      this.emit({ kind: 'session', sessionId });
    }
  }

  private setUserVersion(userId: number, tokenVersion: number): void {
    if ((this.userVersions.get(userId) ?? 0) >= tokenVersion) return;
    this.userVersions.set(userId, tokenVersion);
    this.emit({ kind: 'user', userId, tokenVersion });
  }

  private emit(event: RevocationEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) =>
        this.logger.warn(`background revocation task failed: ${String(error)}`),
      );
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
