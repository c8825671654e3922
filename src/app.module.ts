import { DynamicModule, Module, Type } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { RedisModule } from './redis/redis.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `features`: the platform's own modules (orders, market data, ...) that build on AuthModule. */
  static forRoot(config: AppConfig, features: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        UsersModule,
        // Before AuthModule: its guard (X-API-Key) runs ahead of the JWT guard.
        ApiKeysModule,
        AuthModule,
        // After AuthModule: global guards run in registration order, and the
        // rate limit needs the principal the JWT guard sets.
        RateLimitModule,
        AdminModule,
        HealthModule,
        RealtimeModule,
        ...features,
      ],
    };
  }
}
