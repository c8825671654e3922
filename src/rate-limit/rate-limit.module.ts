import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter.service';
import { WriteRateLimitGuard } from './write-rate-limit.guard';

/**
 * Per-IP and per-user limits on write requests. Import it after AuthModule:
 * global guards run in registration order, and this one needs the principal
 * the JWT guard sets. Global, so login and refresh can charge RateLimiter
 * without importing this module (which would move its guard ahead of the
 * JWT guard).
 *
 * Counters live in Redis when REDIS_URL is set (shared by every instance),
 * else, and whenever Redis is away, in this process.
 */
@Global()
@Module({
  providers: [
    RateLimiter,
    RateLimitGuard,
    { provide: APP_GUARD, useClass: WriteRateLimitGuard },
  ],
  exports: [RateLimiter],
})
export class RateLimitModule {}
