import { DynamicModule, Module } from '@nestjs/common';
import { BootstrapAdminService } from '../admin/bootstrap-admin.service';
import { UserAdministrationService } from '../admin/user-administration.service';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { DatabaseModule } from '../database/database.module';
import { EncryptionModule } from '../encryption/encryption.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';

/**
 * What the operator CLI's commands run on: the database, Redis (so a
 * revocation reaches the other instances at once, as from the admin API)
 * and the services behind the admin API, from the same modules as the
 * server. Not the HTTP application around them: booting AppModule also
 * loaded and built every controller and its DTOs (class-validator),
 * passport, the WebSocket gateway, the rate limits and the API keys, about
 * half of a CLI call. So no AuthModule, AdminModule or LoginProtectionModule
 * here: the modules imported carry no controller and need no rate limiter.
 * BootstrapAdminService comes along, as it did with AppModule.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        // The no-op here: the services below record through it.
        MetricsModule,
        DatabaseModule,
        EncryptionModule,
        RedisModule,
        UsersModule,
        AuditModule,
        CredentialsModule,
        RevocationModule,
        SessionsModule,
        TokensModule,
      ],
      providers: [UserAdministrationService, BootstrapAdminService],
    };
  }
}
