import { Logger } from '@nestjs/common';
import { Charge, RateLimitStore } from './rate-limit-store';

/** What the fallback needs to know of the Redis connection (RedisService fits). */
export interface RedisAvailability {
  readonly configured: boolean;
  readonly available: boolean;
  onCommandsReady(listener: () => void): void;
}

/**
 * Redis when it answers, this process's counters when it does not, so a
 * Redis outage never fails a request: limits then hold per instance, and go
 * back to global by themselves once the command connection is ready again.
 * The operator's one warning per outage is RedisService's, which names the
 * rate limits among what falls back; this store only notes it at debug level.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private fallingBack = false;

  constructor(
    private readonly redis: RedisAvailability,
    private readonly shared: RateLimitStore | undefined,
    private readonly local: RateLimitStore,
  ) {
    redis.onCommandsReady(() => {
      if (!this.fallingBack) return;
      this.fallingBack = false;
      this.logger.debug('Rate limits are shared through Redis again');
    });
  }

  async hit(key: string, limit: number, windowMs: number): Promise<Charge> {
    if (this.shared !== undefined && this.redis.available) {
      try {
        return await this.shared.hit(key, limit, windowMs);
      } catch (error) {
        this.fallBack(error instanceof Error ? error.message : String(error));
      }
    } else if (this.redis.configured) {
      this.fallBack('not connected');
    }
    return this.local.hit(key, limit, windowMs);
  }

  private fallBack(reason: string): void {
    if (this.fallingBack) return;
    this.fallingBack = true;
    this.logger.debug(
      `Redis unavailable for rate limits (${reason}); counting per instance until it returns`,
    );
  }
}
