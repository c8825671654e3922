import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { AdminApiKeysController } from './admin-api-keys.controller';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { ApiKeyEvents, LoggingApiKeyEvents } from './api-key-events';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';

/**
 * API keys for trading programs. ApiKeyGuard is made global by AppModule,
 * ahead of JwtAuthGuard.
 */
@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([ApiKey])],
  controllers: [ApiKeysController, AdminApiKeysController],
  providers: [
    ApiKeyStore,
    ApiKeyAuthenticator,
    ApiKeyUsageRecorder,
    ApiKeysService,
    // The audit trail takes over here: `useExisting`/`useClass` of an
    // ApiKeyEvents implementation that calls AuditTrail.record.
    { provide: ApiKeyEvents, useClass: LoggingApiKeyEvents },
    ApiKeyGuard,
  ],
  exports: [ApiKeyGuard],
})
export class ApiKeysModule {}
