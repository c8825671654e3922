import {
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { powerOfTwoChunks } from '../../database/power-of-two-chunks';
import {
  PreparedStatements,
  SqlValue,
} from '../../database/prepared-statements';

/** The latest use of a session, not yet written. */
export interface SessionUseRecord {
  atMs: number;
  ip: string | null;
  userAgent: string | null;
}

/** How long a use may wait in memory before it is written. */
const FLUSH_MS = 250;
/**
 * Uses written per commit. On SQLite a batch runs synchronously, so this
 * bounds how long the event loop waits for it: about half a millisecond,
 * where a single 500-use batch held every request for several and made up
 * much of refresh's p99. Other work gets a turn between batches.
 */
const FLUSH_BATCH = 128;
/** Beyond this many pending sessions a flush starts at once, so memory stays bounded. */
const MAX_PENDING = 50_000;

/** Never moves last_used_at back (a later use, or a rotation, may have been written first). */
const TOUCH =
  'UPDATE refresh_tokens SET last_used_at = ?, ip = ?, user_agent = ?' +
  ' WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)';

const touchStatements = new Map<number, string>();

/**
 * TOUCH for `count` sessions in one MySQL/MariaDB statement (built once per
 * count): the uses as a derived table joined on the primary key. One round
 * trip per chunk instead of one per session: at a few thousand refreshes a
 * second, the per-session UPDATEs were as many statements as the refreshes'
 * own reads. SQLite runs TOUCH per session in-process, where a statement
 * costs no round trip.
 */
function touchMany(count: number): string {
  let sql = touchStatements.get(count);
  if (sql === undefined) {
    const uses = Array(count)
      .fill('SELECT ? AS id, ? AS at, ? AS ip, ? AS ua')
      .join(' UNION ALL ');
    sql =
      `UPDATE refresh_tokens t JOIN (${uses}) u ON t.id = u.id` +
      ' SET t.last_used_at = u.at, t.ip = u.ip, t.user_agent = u.ua' +
      ' WHERE t.last_used_at IS NULL OR t.last_used_at <= u.at';
    touchStatements.set(count, sql);
  }
  return sql;
}

/**
 * A session's last use (time, client address, User-Agent) as refresh
 * records it, written behind the request: a refresh notes the use in memory
 * and answers; a timer writes every pending use every 250 ms, in batches
 * of 128 (on MySQL/MariaDB a statement per power-of-two chunk, see
 * touchMany). One durable commit per flush instead of one per refresh was
 * the larger half of a refresh's cost on MariaDB.
 *
 * This instance's pending uses are overlaid on what it reads
 * (`latest`), so its idle check and session listing see them at once;
 * another instance sees them after the flush. A use leaves `pending` only
 * once its commit is done (and only if no newer one replaced it meanwhile),
 * so a read during the write still sees it, and a failed flush leaves it
 * for the next one.
 */
@Injectable()
export class SessionActivity implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionActivity.name);
  private pending = new Map<string, SessionUseRecord>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private warned = false;

  constructor(private readonly statements: PreparedStatements) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The hot path: one Map.set. */
  note(sessionId: string, use: SessionUseRecord): void {
    this.pending.set(sessionId, use);
    if (this.pending.size >= MAX_PENDING) void this.flush();
  }

  /** The use this instance has not written yet, if any. */
  latest(sessionId: string): SessionUseRecord | undefined {
    return this.pending.get(sessionId);
  }

  /** Writes every pending use; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(
      () => (this.flushing = undefined),
    );
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.size > 0) {
      const batch: [string, SessionUseRecord][] = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length === FLUSH_BATCH) break;
      }
      try {
        await this.write(batch);
        this.warned = false;
      } catch (error) {
        if (!this.warned)
          this.logger.warn(
            `session activity not written, will retry: ${String(error)}`,
          );
        this.warned = true;
        return;
      }
      // Written: drop each use unless a newer one was noted during the write
      // (CI once listed a session mid-flush, on MariaDB, when uses were
      // dropped before their commit).
      for (const [id, use] of batch)
        if (this.pending.get(id) === use) this.pending.delete(id);
      if (this.pending.size > 0) await nextTurn();
    }
  }

  /**
   * Writes one batch. On MySQL/MariaDB each chunk is one statement, so a
   * failure can leave earlier chunks written: the whole batch stays pending
   * and is written again, which TOUCH's guard makes harmless.
   */
  private async write(batch: [string, SessionUseRecord][]): Promise<void> {
    if (this.statements.embedded) {
      await this.statements.runEach(
        TOUCH,
        batch.map(([id, use]) => [
          use.atMs,
          use.ip,
          use.userAgent,
          id,
          use.atMs,
        ]),
      );
      return;
    }
    for (const uses of powerOfTwoChunks(batch, FLUSH_BATCH))
      await this.statements.run(
        touchMany(uses.length),
        uses.flatMap(([id, use]): SqlValue[] => [
          id,
          use.atMs,
          use.ip,
          use.userAgent,
        ]),
      );
  }
}
