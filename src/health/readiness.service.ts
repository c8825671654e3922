import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from '../metrics/metrics';
import { RedisService } from '../redis/redis.service';
import { RevocationService } from '../revocation/revocation.service';

/** How long a readiness probe waits for the database. */
export const READY_PROBE_TIMEOUT_MS = 2000;
/** Shorter at a scrape: Prometheus's own timeout is 10 s by default, and several gauges ask. */
const SCRAPE_PROBE_TIMEOUT_MS = 1000;

/**
 * Whether this instance should get traffic (GET /health/ready, and the
 * `ready` gauge): the database answers, the migrations have run, the
 * revocation state is loaded (before that it cannot tell a revoked token
 * from a good one), and it is not shutting down. Also the Redis and
 * database gauges, read at each scrape.
 */
@Injectable()
export class Readiness implements OnModuleDestroy {
  /** Once no migration is pending, none can become so in this process. */
  private migrated = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly revocation: RevocationService,
    redis: RedisService,
    metrics: Metrics,
  ) {
    metrics.watch('database_up', async () =>
      (await this.databaseAnswers(SCRAPE_PROBE_TIMEOUT_MS)) ? 1 : 0,
    );
    metrics.watch('ready', async () =>
      (await this.notReadyBecause(SCRAPE_PROBE_TIMEOUT_MS)) === undefined
        ? 1
        : 0,
    );
    metrics.watch('redis_up', () => (redis.available ? 1 : 0));
    metrics.watch('redis_fallback', () =>
      redis.configured && !redis.available ? 1 : 0,
    );
  }

  /** The first hook of a shutdown (SIGTERM): from here on the instance reads not ready, while it drains. */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  /** Undefined when ready; else why not, for the 503's message. */
  async notReadyBecause(
    timeoutMs = READY_PROBE_TIMEOUT_MS,
  ): Promise<string | undefined> {
    if (this.stopping) return 'This instance is shutting down';
    if (!this.revocation.loaded) return 'Revocation state is not loaded yet';
    if (!(await this.databaseAnswers(timeoutMs)))
      return 'Database is unavailable';
    if (!this.migrated) {
      try {
        this.migrated = !(await this.dataSource.showMigrations());
      } catch {
        return 'Database is unavailable';
      }
      if (!this.migrated) return 'Database migrations are pending';
    }
    return undefined;
  }

  /** Whether the database answers `SELECT 1` within `timeoutMs`. */
  async databaseAnswers(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('database probe timed out')),
            timeoutMs,
          );
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
