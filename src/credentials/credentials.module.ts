import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { DeviceToken } from './entities/device-token.entity';
import { MfaChallenge } from './entities/mfa-challenge.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { TotpFactor } from './entities/totp-factor.entity';
import { CredentialsService } from './services/credentials.service';
import { DeviceTokenService } from './services/device-token.service';
import { MfaChallenges } from './services/mfa-challenges.service';
import { PasswordHasher } from './services/password-hasher.service';
import { RecoveryCodes } from './services/recovery-codes.service';
import { SecondFactorRemoval } from './services/second-factor-removal.service';
import { TotpFactors } from './services/totp-factors.service';

/**
 * What proves a person: the password hasher and its thread pool, the
 * credential check (uniform failure, dummy hash for unknown users), the
 * trusted device tokens, and the second factor (TOTP factors, recovery
 * codes, the mfa_token between a login's two steps). Imported by the CLI as
 * is; login's guessing budgets, and the code checks charged to them, are
 * LoginProtectionModule, which needs the HTTP app's rate limiter.
 */
@Module({
  imports: [
    UsersModule,
    TypeOrmModule.forFeature([
      DeviceToken,
      TotpFactor,
      RecoveryCode,
      MfaChallenge,
    ]),
  ],
  providers: [
    PasswordHasher,
    CredentialsService,
    DeviceTokenService,
    TotpFactors,
    RecoveryCodes,
    MfaChallenges,
    SecondFactorRemoval,
  ],
  exports: [
    PasswordHasher,
    CredentialsService,
    DeviceTokenService,
    TotpFactors,
    RecoveryCodes,
    MfaChallenges,
    SecondFactorRemoval,
  ],
})
export class CredentialsModule {}
