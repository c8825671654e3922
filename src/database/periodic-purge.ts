import {
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * A table's clean-up, run every BLOCKLIST_PURGE_SECONDS like the
 * blocklist's own (revocation.sync.ts). A failed run is logged and left to
 * the next one: purges only bound a table's size, no answer depends on them.
 */
export abstract class PeriodicPurge
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  protected constructor(
    /** What the warning names: "<what> purge failed". */
    private readonly what: string,
    protected readonly config: AppConfig,
  ) {}

  /** Deletes what has lapsed at `nowMs`. */
  protected abstract purgeLapsed(nowMs: number): Promise<unknown>;

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
      await this.purgeLapsed(nowMs);
    } catch (error) {
      this.logger.warn(`${this.what} purge failed: ${String(error)}`);
    }
  }
}
