import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DatabaseIdempotencyStore } from './database-idempotency.store';

/**
 * Deletes lapsed idempotency records every BLOCKLIST_PURGE_SECONDS, like the
 * other purges. Lookups ignore a lapsed row already, so this only bounds
 * the table. Redis keys expire by themselves.
 */
@Injectable()
export class IdempotencyPurge
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger('Idempotency');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: DatabaseIdempotencyStore,
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

  async purge(now = Date.now()): Promise<void> {
    try {
      await this.store.purge(now);
    } catch (error) {
      this.logger.warn(`idempotency purge failed: ${String(error)}`);
    }
  }
}
