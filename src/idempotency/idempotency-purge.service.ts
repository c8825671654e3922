import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PeriodicPurge } from '../database/periodic-purge';
import { DatabaseIdempotencyStore } from './database-idempotency.store';

/**
 * Deletes lapsed idempotency records every BLOCKLIST_PURGE_SECONDS, like the
 * other purges. Lookups ignore a lapsed row already, so this only bounds
 * the table. Redis keys expire by themselves.
 */
@Injectable()
export class IdempotencyPurge extends PeriodicPurge {
  constructor(
    private readonly store: DatabaseIdempotencyStore,
    config: AppConfig,
  ) {
    super('idempotency', config);
  }

  protected purgeLapsed(nowMs: number): Promise<unknown> {
    return this.store.purge(nowMs);
  }
}
