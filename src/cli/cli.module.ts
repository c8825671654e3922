import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BootstrapAdminService } from '../admin/bootstrap-admin.service';
import { UserAdministrationService } from '../admin/user-administration.service';
import { AuditModule } from '../audit/audit.module';
import { BlocklistedJti } from '../revocation/entities/blocklisted-jti.entity';
import { DeviceToken } from '../credentials/entities/device-token.entity';
import { RevocationEventRow } from '../revocation/entities/revocation-event-row.entity';
import { Session } from '../sessions/entities/session.entity';
import { HeldRevocations } from '../revocation/held-revocations';
import { RevocationBus } from '../revocation/revocation.bus';
import { RevocationService } from '../revocation/revocation.service';
import { RevocationState } from '../revocation/revocation-state';
import { RevocationStore } from '../revocation/revocation.store';
import { DeviceTokenService } from '../credentials/services/device-token.service';
import { PasswordHasher } from '../credentials/services/password-hasher.service';
import { SessionActivity } from '../sessions/services/session-activity';
import { SessionService } from '../sessions/services/session.service';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../redis/redis.module';
import { UsersModule } from '../users/users.module';

/**
 * What the operator CLI's commands run on: the database, Redis (so a
 * revocation reaches the other instances at once, as from the admin API)
 * and the services behind the admin API, built from the same classes. Not
 * the HTTP application around them: booting AppModule also loaded and built
 * every controller and its DTOs (class-validator), passport, the WebSocket
 * gateway, the rate limits and the API keys, about half of a CLI call.
 * BootstrapAdminService comes along, as it did with AppModule.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        UsersModule,
        AuditModule,
        TypeOrmModule.forFeature([
          Session,
          BlocklistedJti,
          DeviceToken,
          RevocationEventRow,
        ]),
      ],
      providers: [
        UserAdministrationService,
        BootstrapAdminService,
        PasswordHasher,
        SessionService,
        SessionActivity,
        DeviceTokenService,
        RevocationService,
        RevocationState,
        RevocationStore,
        RevocationBus,
        HeldRevocations,
      ],
    };
  }
}
