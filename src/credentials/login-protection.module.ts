import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { CredentialsModule } from './credentials.module';
import { LoginAttemptService } from './services/login-attempt.service';
import { LoginFlow } from './services/login-flow.service';
import { MfaEnrolment } from './services/mfa-enrolment.service';
import { SecondFactorCheck } from './services/second-factor-check.service';

/**
 * Login's protection against guessing: the failed-login budgets around the
 * password check (LoginAttemptService), for password logins and API-key
 * creation, and around every second-factor code (SecondFactorCheck); and
 * the login flow that puts password and code together (LoginFlow). Apart from CredentialsModule because it needs RateLimiter, from
 * the global RateLimitModule that only the HTTP application loads: the CLI
 * imports CredentialsModule without it.
 */
@Module({
  imports: [CredentialsModule, UsersModule, AuditModule],
  providers: [LoginAttemptService, SecondFactorCheck, LoginFlow, MfaEnrolment],
  exports: [LoginAttemptService, SecondFactorCheck, LoginFlow, MfaEnrolment],
})
export class LoginProtectionModule {}
