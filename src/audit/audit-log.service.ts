import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthEvent } from './auth-event.entity';

export interface AuditQuery {
  userId?: number;
  type?: string;
  /** Only events with a smaller id (the previous page's next_before). */
  before?: number;
  limit: number;
}

export interface AuditEventView {
  id: number;
  type: string;
  user_id: number | null;
  actor_id: number | null;
  ip: string | null;
  user_agent: string | null;
  /** Epoch seconds, like every time the API shows (the order is the id's). */
  at: number;
  detail: Record<string, unknown> | null;
}

export interface AuditPage {
  items: AuditEventView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: number | null;
}

/** The audit trail's read side and its retention purge. */
@Injectable()
export class AuditLog {
  constructor(
    @InjectRepository(AuthEvent)
    private readonly events: Repository<AuthEvent>,
  ) {}

  /** Newest first, by id (ids grow with insertion order; timestamps can tie). */
  async list(query: AuditQuery): Promise<AuditPage> {
    const select = this.events
      .createQueryBuilder('e')
      .orderBy('e.id', 'DESC')
      .limit(query.limit + 1);
    if (query.userId !== undefined)
      select.andWhere('e.user_id = :userId', { userId: query.userId });
    if (query.type !== undefined)
      select.andWhere('e.type = :type', { type: query.type });
    if (query.before !== undefined)
      select.andWhere('e.id < :before', { before: query.before });
    const rows = await select.getMany();
    const more = rows.length > query.limit;
    const items = rows.slice(0, query.limit).map(toView);
    return {
      items,
      next_before: more ? items[items.length - 1].id : null,
    };
  }

  /** Deletes events recorded before `cutoffMs`. */
  async purgeBefore(cutoffMs: number): Promise<void> {
    await this.events
      .createQueryBuilder()
      .delete()
      .from(AuthEvent)
      .where('at < :cutoff', { cutoff: cutoffMs })
      .execute();
  }
}

function toView(event: AuthEvent): AuditEventView {
  let detail: Record<string, unknown> | null = null;
  try {
    detail = event.detail === null ? null : JSON.parse(event.detail);
  } catch {
    detail = null;
  }
  return {
    id: Number(event.id),
    type: event.type,
    user_id: event.userId,
    actor_id: event.actorId,
    ip: event.ip,
    user_agent: event.userAgent,
    at: Math.floor(event.at / 1000),
    detail,
  };
}
