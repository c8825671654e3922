import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { LoginProtectionModule } from '../credentials/login-protection.module';
import { RevocationModule } from '../revocation/revocation.module';
import { AdminApiKeysController } from './admin-api-keys.controller';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { AuditModule } from '../audit/audit.module';
import { ApiKeyEvents } from './api-key-events';
import { AuditedApiKeyEvents } from './audited-api-key-events';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';
import { ServerTimeController } from './server-time.controller';
import { SignatureReplays } from './signature-replays';

/**
 * API keys for trading programs (bearer secrets and Ed25519-signed
 * requests), and the server clock they sign against. ApiKeyGuard is made global by AppModule,
 * ahead of JwtAuthGuard.
 */
@Module({
  imports: [
    AuthModule,
    LoginProtectionModule,
    RevocationModule,
    AuditModule,
    TypeOrmModule.forFeature([ApiKey]),
  ],
  controllers: [
    ApiKeysController,
    AdminApiKeysController,
    ServerTimeController,
  ],
  providers: [
    ApiKeyStore,
    ApiKeyAuthenticator,
    SignatureReplays,
    ApiKeyUsageRecorder,
    ApiKeysService,
    { provide: ApiKeyEvents, useClass: AuditedApiKeyEvents },
    ApiKeyGuard,
  ],
  exports: [ApiKeyGuard, ApiKeysService],
})
export class ApiKeysModule {}
