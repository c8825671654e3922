import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { User } from '../users/entities/user.entity';
import { BlocklistedJti } from './entities/blocklisted-jti.entity';
import { RevocationEventRow } from './entities/revocation-event-row.entity';
import { Revocation, subjectOf } from './revocation';

const PAGE_SIZE = 10_000;
/**
 * The sessions table (sessions/'s Session entity), by its entity name: a
 * session's revoked_at is stamped in the same transaction as its feed row,
 * but sessions/ calls revocation/, so revocation/ must not import sessions/.
 */
const SESSION_ENTITY = 'Session';
/**
 * Bound parameters per statement stay under 999, the smallest limit an
 * SQLite build may have: ids take one each, feed rows six.
 */
const IDS_PER_STATEMENT = 500;
const FEED_ROWS_PER_STATEMENT = 150;

export interface FeedRow {
  id: number;
  revocation: Revocation;
}

/**
 * The database side of revocation: writes a revocation (its feed row, and
 * the blocklist row or the session's revoked_at it implies) in one
 * transaction, reads the feed after a cursor, loads what a starting instance
 * needs, and purges what can no longer matter.
 */
@Injectable()
export class RevocationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Writes revocations atomically, inside `manager`'s transaction when given
   * (so an admin change and the revocation it implies land together).
   * Idempotent: writing the same revocations again changes nothing that
   * matters, which is what replaying them from Redis after an outage relies on.
   */
  async record(
    revocations: readonly Revocation[],
    manager?: EntityManager,
  ): Promise<void> {
    if (manager) return this.write(manager, revocations);
    await this.transactions.run((m) => this.write(m, revocations));
  }

  /** Feed rows with id > `after`, in id order. */
  async readAfter(after: number, limit = PAGE_SIZE): Promise<FeedRow[]> {
    const rows = await this.events()
      .where('e.id > :after', { after })
      .orderBy('e.id', 'ASC')
      .limit(limit)
      .getRawMany<RawEvent>();
    return rows.map(toFeedRow);
  }

  /** The highest feed id so far (0 for none): where a fresh instance starts reading. */
  async lastId(): Promise<number> {
    const row = await this.dataSource
      .getRepository(RevocationEventRow)
      .createQueryBuilder('e')
      .select('MAX(e.id)', 'max')
      .getRawOne<{ max: string | number | null }>();
    return Number(row?.max ?? 0);
  }

  /**
   * Every revocation whose tokens may still be alive, page by page: live feed
   * rows, blocklist rows, and the users' token versions. Keyset pages over
   * primary keys, raw rows: a million entries load without one giant result.
   */
  async *loadLive(nowMs: number): AsyncGenerator<Revocation[]> {
    for (let after = 0; ;) {
      const page = await this.events()
        .where('e.id > :after AND e.expires_at > :now', { after, now: nowMs })
        .orderBy('e.id', 'ASC')
        .limit(PAGE_SIZE)
        .getRawMany<RawEvent>();
      yield page.map((row) => toFeedRow(row).revocation);
      if (page.length < PAGE_SIZE) break;
      after = Number(page[page.length - 1].id);
    }
    // Blocklist rows written before the feed existed, or by an older version.
    const blocklist = this.dataSource.getRepository(BlocklistedJti);
    for (let after = ''; ;) {
      const page = await blocklist
        .createQueryBuilder('b')
        .select(['b.jti AS jti', 'b.user_id AS userId'])
        .addSelect('b.expires_at', 'expiresAt')
        .where('b.jti > :after AND b.expires_at > :now', { after, now: nowMs })
        .orderBy('b.jti', 'ASC')
        .limit(PAGE_SIZE)
        .getRawMany<{
          jti: string;
          userId: number | string;
          expiresAt: string | number;
        }>();
      yield page.map((row) => ({
        kind: 'token' as const,
        jti: row.jti,
        userId: Number(row.userId),
        expiresAtMs: Number(row.expiresAt),
      }));
      if (page.length < PAGE_SIZE) break;
      after = page[page.length - 1].jti;
    }
    // token_version is the user's own truth; it never expires.
    const users = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .select(['u.id AS id', 'u.token_version AS tokenVersion'])
      .where('u.token_version > 0')
      .getRawMany<{ id: number | string; tokenVersion: number | string }>();
    yield users.map((row) => ({
      kind: 'user' as const,
      userId: Number(row.id),
      tokenVersion: Number(row.tokenVersion),
      expiresAtMs: Number.MAX_SAFE_INTEGER,
    }));
  }

  /** Deletes feed rows, blocklist rows and sessions that can no longer be used. */
  async purge(nowMs: number): Promise<void> {
    for (const entity of [RevocationEventRow, BlocklistedJti, SESSION_ENTITY]) {
      await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(entity)
        .where('expires_at <= :now', { now: nowMs })
        .execute();
    }
  }

  private events() {
    return this.dataSource
      .getRepository(RevocationEventRow)
      .createQueryBuilder('e')
      .select([
        'e.id AS id',
        'e.kind AS kind',
        'e.subject AS subject',
        'e.user_id AS userId',
        'e.token_version AS tokenVersion',
        'e.expires_at AS expiresAt',
      ]);
  }

  private async write(
    manager: EntityManager,
    revocations: readonly Revocation[],
  ): Promise<void> {
    const now = Date.now();
    const sessionIds: string[] = [];
    for (const revocation of revocations) {
      if (revocation.kind === 'token') {
        await manager
          .createQueryBuilder()
          .insert()
          .into(BlocklistedJti)
          .values({
            jti: revocation.jti,
            userId: revocation.userId,
            expiresAt: revocation.expiresAtMs,
            createdAt: now,
          })
          .orIgnore()
          .execute();
      } else if (revocation.kind === 'session') {
        sessionIds.push(revocation.sessionId);
      }
    }
    // A user's "log out everywhere else" can name thousands of sessions: a
    // statement per chunk, not per session.
    for (const ids of chunks(sessionIds, IDS_PER_STATEMENT))
      await manager
        .createQueryBuilder()
        .update(SESSION_ENTITY)
        .set({ revokedAt: now })
        .where('id IN (:...ids) AND revoked_at IS NULL', { ids })
        .execute();
    for (const chunk of chunks(revocations, FEED_ROWS_PER_STATEMENT))
      await manager
        .createQueryBuilder()
        .insert()
        .into(RevocationEventRow)
        .values(
          chunk.map((revocation) => ({
            kind: revocation.kind,
            subject: subjectOf(revocation),
            userId: revocation.userId,
            tokenVersion:
              revocation.kind === 'user' ? revocation.tokenVersion : null,
            expiresAt: revocation.expiresAtMs,
            createdAt: now,
          })),
        )
        .execute();
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

interface RawEvent {
  id: number | string;
  kind: string;
  subject: string;
  userId: number | string;
  tokenVersion: number | string | null;
  expiresAt: number | string;
}

function toFeedRow(row: RawEvent): FeedRow {
  const userId = Number(row.userId);
  const expiresAtMs = Number(row.expiresAt);
  let revocation: Revocation;
  switch (row.kind) {
    case 'token':
      revocation = { kind: 'token', jti: row.subject, userId, expiresAtMs };
      break;
    case 'session':
      revocation = {
        kind: 'session',
        sessionId: row.subject,
        userId,
        expiresAtMs,
      };
      break;
    case 'api_key':
      revocation = { kind: 'api_key', keyId: row.subject, userId, expiresAtMs };
      break;
    case 'sig_key':
      revocation = { kind: 'sig_key', keyId: row.subject, userId, expiresAtMs };
      break;
    default:
      revocation = {
        kind: 'user',
        userId,
        tokenVersion: Number(row.tokenVersion ?? 0),
        expiresAtMs,
      };
  }
  return { id: Number(row.id), revocation };
}
