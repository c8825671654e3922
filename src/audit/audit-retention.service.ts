import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PeriodicPurge } from '../database/periodic-purge';
import { AuditLog } from './audit-log.service';

const DAY_MS = 86_400_000;

/** Deletes audit events older than AUDIT_RETENTION_DAYS, every BLOCKLIST_PURGE_SECONDS like the other purges. */
@Injectable()
export class AuditRetention extends PeriodicPurge {
  constructor(
    private readonly log: AuditLog,
    config: AppConfig,
  ) {
    super('audit', config);
  }

  protected purgeLapsed(nowMs: number): Promise<unknown> {
    return this.log.purgeBefore(
      nowMs - this.config.auditRetentionDays * DAY_MS,
    );
  }
}
