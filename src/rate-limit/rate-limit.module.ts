import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { FixedWindowStorage } from './fixed-window.storage';
import { RateLimitCounter } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';
import { WriteRateLimitGuard } from './write-rate-limit.guard';

/**
 * Per-IP and per-user limits on write requests. Import it after AuthModule:
 * global guards run in registration order, and this one needs the principal
 * the JWT guard sets.
 *
 * The counters live behind @nestjs/throttler's ThrottlerStorage interface,
 * in memory (FixedWindowStorage), one per process: several instances behind a
 * balancer each allow the full limit until a shared (Redis) storage replaces
 * it in the `storage` option below.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const ttl = config.rateLimitWindowSeconds * 1000;
        return {
          // The guard sends exactly one Retry-After itself; the per-throttler
          // Retry-After-ip / X-RateLimit-*-user headers would only confuse clients.
          setHeaders: false,
          storage: new FixedWindowStorage(),
          throttlers: [
            {
              name: RateLimitCounter.Ip,
              limit: config.rateLimitIpMax,
              ttl,
              blockDuration: 0,
            },
            {
              name: RateLimitCounter.User,
              limit: config.rateLimitUserMax,
              ttl,
              blockDuration: 0,
            },
          ],
        };
      },
    }),
  ],
  providers: [
    RateLimitGuard,
    { provide: APP_GUARD, useClass: WriteRateLimitGuard },
  ],
})
export class RateLimitModule {}
