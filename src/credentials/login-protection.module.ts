import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { CredentialsModule } from './credentials.module';
import { LoginAttemptService } from './services/login-attempt.service';

/**
 * Login's protection against guessing: the failed-login budgets around the
 * password check (LoginAttemptService), for password logins and API-key
 * creation. Apart from CredentialsModule because it needs RateLimiter, from
 * the global RateLimitModule that only the HTTP application loads: the CLI
 * imports CredentialsModule without it.
 */
@Module({
  imports: [CredentialsModule, UsersModule, AuditModule],
  providers: [LoginAttemptService],
  exports: [LoginAttemptService],
})
export class LoginProtectionModule {}
