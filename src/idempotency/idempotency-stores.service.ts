import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { DatabaseIdempotencyStore } from './database-idempotency.store';
import { Begun, IdempotencyStore } from './idempotency.store';
import { RedisIdempotencyStore } from './redis-idempotency.store';

/**
 * Redis when REDIS_URL is set and it answers, else the database: so keys
 * keep working through Redis while the database is down, and through the
 * database while Redis is. When neither answers, the database's error goes
 * up and the global filter answers 503 service_unavailable: the handler
 * never runs unprotected. A claim completes or releases in the store that
 * made it.
 *
 * The two stores do not see each other's keys: a retry that crosses a
 * switch (the first request claimed in Redis, the retry runs while Redis is
 * away, or the reverse) is not recognised. docs/scale-out.md says so.
 */
@Injectable()
export class IdempotencyStores implements IdempotencyStore {
  private readonly logger = new Logger('Idempotency');
  private readonly shared?: RedisIdempotencyStore;
  private fallingBack = false;

  constructor(
    private readonly redis: RedisService,
    private readonly database: DatabaseIdempotencyStore,
  ) {
    if (redis.configured)
      this.shared = new RedisIdempotencyStore(redis.client, (name) =>
        redis.key(name),
      );
    redis.onCommandsReady(() => {
      if (!this.fallingBack) return;
      this.fallingBack = false;
      this.logger.log('Idempotency keys are kept in Redis again');
    });
  }

  async begin(
    scope: string,
    fingerprint: string,
    inFlightMs: number,
  ): Promise<Begun> {
    if (this.shared !== undefined && this.redis.available) {
      try {
        return await this.shared.begin(scope, fingerprint, inFlightMs);
      } catch (error) {
        this.fallBack(error instanceof Error ? error.message : String(error));
      }
    } else if (this.shared !== undefined) {
      this.fallBack('not connected');
    }
    return this.database.begin(scope, fingerprint, inFlightMs);
  }

  private fallBack(reason: string): void {
    if (this.fallingBack) return;
    this.fallingBack = true;
    this.logger.warn(
      `Redis unavailable for idempotency keys (${reason}); keeping them in the database until it returns`,
    );
  }
}
