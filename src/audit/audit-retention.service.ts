import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuditLog } from './audit-log.service';

const DAY_MS = 86_400_000;

/** Deletes audit events older than AUDIT_RETENTION_DAYS, every BLOCKLIST_PURGE_SECONDS like the other purges. */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: AuditLog,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.purge(),
      this.config.blocklistPurgeSeconds * 1000,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async purge(nowMs = Date.now()): Promise<void> {
    try {
      await this.log.purgeBefore(
        nowMs - this.config.auditRetentionDays * DAY_MS,
      );
    } catch (error) {
      this.logger.warn(`audit purge failed: ${String(error)}`);
    }
  }
}
