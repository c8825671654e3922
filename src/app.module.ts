import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { ApiKeyGuard } from './api-keys/api-key.guard';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/guards/jwt-auth.guard';
import { MfaGuard } from './auth/guards/mfa.guard';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EncryptionModule } from './encryption/encryption.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { WriteRateLimitGuard } from './rate-limit/write-rate-limit.guard';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `features`: the platform's own modules (orders, market data, ...) that build on AuthModule. */
  static forRoot(config: AppConfig, features: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        EncryptionModule,
        RedisModule,
        UsersModule,
        AuthModule,
        ApiKeysModule,
        AccountModule,
        RateLimitModule,
        IdempotencyModule,
        AdminModule,
        HealthModule,
        RealtimeModule,
        ...features,
      ],
      // The global guards, in the order they run: who is calling (an API
      // key, else the access token, deny by default), whether they proved
      // enough (@RequireMfa, MFA_REQUIRED_TIER), then what they may spend
      // (write budgets per address and per user, which need the principal).
      providers: [
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: MfaGuard },
        { provide: APP_GUARD, useExisting: WriteRateLimitGuard },
      ],
    };
  }
}
