import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';
import { throttlerOptions } from './rate-limit.policy';
import { RateLimiter } from './rate-limiter.service';
import { WriteRateLimitGuard } from './write-rate-limit.guard';

/**
 * Per-IP and per-user limits on write requests, through @nestjs/throttler:
 * the named throttlers `ip` and `user` from the validated configuration,
 * RateLimiter as their storage, RateLimitGuard as the ThrottlerGuard.
 * WriteRateLimitGuard is made global by AppModule, after the JWT guard (it
 * needs the principal that guard sets). Global, so login and refresh can
 * charge RateLimiter.
 *
 * Counters live in Redis when REDIS_URL is set (shared by every instance),
 * else, and whenever Redis is away, in this process.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RateLimiter],
      useFactory: throttlerOptions,
    }),
  ],
  providers: [RateLimiter, RateLimitGuard, WriteRateLimitGuard],
  exports: [RateLimiter, WriteRateLimitGuard],
})
export class RateLimitModule {}
