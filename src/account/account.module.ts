import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { LoginProtectionModule } from '../credentials/login-protection.module';
import { SessionsModule } from '../sessions/sessions.module';
import { PasswordController } from './password.controller';
import { PasswordChange } from './password-change.service';

/**
 * What a user changes of their own account that reaches across the
 * credential rooms: the password, which ends sessions (sessions/) and API
 * keys (api-keys/). Above api-keys/, which itself builds on auth/, so it
 * has a folder of its own rather than a cycle.
 */
@Module({
  imports: [
    AuthModule,
    ApiKeysModule,
    CredentialsModule,
    LoginProtectionModule,
    SessionsModule,
    AuditModule,
  ],
  controllers: [PasswordController],
  providers: [PasswordChange],
})
export class AccountModule {}
