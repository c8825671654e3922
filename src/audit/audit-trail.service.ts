import {
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { ClientInfo } from '../common/client-info';
import { AppConfig } from '../config/app-config';
import { powerOfTwoChunks } from '../database/power-of-two-chunks';
import { PreparedStatements, SqlValue } from '../database/prepared-statements';
import { AuditEventType } from './audit-event-type';
import { AuthEvent } from './auth-event.entity';
import { BoundedQueue } from './bounded-queue';

/** What a caller records. */
export interface AuditEventInput {
  type: AuditEventType;
  /** The user the event is about (null when there is none, e.g. an unknown username). */
  userId: number | null;
  /** Where the request came from (NO_CLIENT for the CLI and timers); its actor is the default one. */
  client: ClientInfo;
  /** Who did it, when not the request's authenticated user (a login's own user, or nobody). */
  actorId?: number | null;
  /** Small and never secret: ids, a normalised username, a tier. */
  detail?: Record<string, unknown>;
}

/** Events waiting for the database at most; beyond, they are dropped and counted. */
const QUEUE_CAPACITY = 10_000;
/** Events per write; each goes in at most 9 multi-row INSERTs of 256, 128, ... 1 rows. */
const BATCH_SIZE = 511;
const COLUMNS = '(type, user_id, actor_id, ip, user_agent, at, detail)';
/** How long an event may wait: well inside the "readable within a second or two". */
const FLUSH_MS = 200;
const DETAIL_MAX = 1024;

/**
 * The audit trail's write side. `record` only queues (no I/O, never throws),
 * so a login never waits for, or fails because of, the audit write; a timer
 * writes the queue in batches. A full queue drops events, counts them and
 * says so in the log.
 */
@Injectable()
export class AuditTrail implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditTrail.name);
  private readonly queue = new BoundedQueue<Omit<AuthEvent, 'id'>>(
    QUEUE_CAPACITY,
  );
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly statements: PreparedStatements,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.auditEnabled) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Before the data source closes (that is an application-shutdown hook). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(event: AuditEventInput): void {
    if (!this.config.auditEnabled) return;
    try {
      const client = event.client;
      this.queue.push({
        type: event.type,
        userId: event.userId,
        actorId: event.actorId === undefined ? client.actorId : event.actorId,
        ip: client.ip,
        userAgent: client.userAgent,
        at: Date.now(),
        detail: serialiseDetail(event.detail),
      });
    } catch (error) {
      // Auditing must never break the action it records.
      this.logger.error(`audit event not queued: ${String(error)}`);
    }
  }

  /** Writes everything queued so far; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(
      () => (this.flushing = undefined),
    );
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    const dropped = this.queue.takeDropped();
    if (dropped > 0)
      this.logger.warn(
        `audit queue full: ${dropped} event(s) dropped (capacity ${QUEUE_CAPACITY})`,
      );
    while (this.queue.length > 0) {
      const batch = this.queue.take(BATCH_SIZE);
      let written = 0;
      try {
        for (const rows of powerOfTwoChunks(batch, 256)) {
          await this.statements.run(
            insertRows(rows.length),
            rows.flatMap(values),
          );
          written += rows.length;
        }
      } catch (error) {
        this.logger.error(
          `audit write failed, ${batch.length - written} event(s) lost: ${String(error)}`,
        );
        return;
      }
    }
  }
}

const insertStatements = new Map<number, string>();

/** `INSERT INTO auth_events ... VALUES (?, ...), ...` for `count` rows, built once per count. */
function insertRows(count: number): string {
  let sql = insertStatements.get(count);
  if (sql === undefined) {
    const row = '(?, ?, ?, ?, ?, ?, ?)';
    sql = `INSERT INTO auth_events ${COLUMNS} VALUES ${Array(count).fill(row).join(', ')}`;
    insertStatements.set(count, sql);
  }
  return sql;
}

function values(event: Omit<AuthEvent, 'id'>): SqlValue[] {
  return [
    event.type,
    event.userId,
    event.actorId,
    event.ip,
    event.userAgent,
    event.at,
    event.detail,
  ];
}

function serialiseDetail(
  detail: Record<string, unknown> | undefined,
): string | null {
  if (detail === undefined) return null;
  const text = JSON.stringify(detail);
  return text.length <= DETAIL_MAX ? text : JSON.stringify({ truncated: true });
}
