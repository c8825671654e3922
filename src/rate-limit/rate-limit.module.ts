import { Global, Module } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter.service';
import { WriteRateLimitGuard } from './write-rate-limit.guard';

/**
 * Per-IP and per-user limits on write requests. WriteRateLimitGuard is made
 * global by AppModule, after the JWT guard (it needs the principal that guard
 * sets). Global, so login and refresh can charge RateLimiter.
 *
 * Counters live in Redis when REDIS_URL is set (shared by every instance),
 * else, and whenever Redis is away, in this process.
 */
@Global()
@Module({
  providers: [RateLimiter, RateLimitGuard, WriteRateLimitGuard],
  exports: [RateLimiter, WriteRateLimitGuard],
})
export class RateLimitModule {}
