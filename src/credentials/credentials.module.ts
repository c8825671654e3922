import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { DeviceToken } from './entities/device-token.entity';
import { CredentialsService } from './services/credentials.service';
import { DeviceTokenService } from './services/device-token.service';
import { PasswordHasher } from './services/password-hasher.service';

/**
 * What proves a person: the password hasher and its thread pool, the
 * credential check (uniform failure, dummy hash for unknown users) and the
 * trusted device tokens. Imported by the CLI as is; login's guessing
 * budgets are LoginProtectionModule, which needs the HTTP app's rate limiter.
 */
@Module({
  imports: [UsersModule, TypeOrmModule.forFeature([DeviceToken])],
  providers: [PasswordHasher, CredentialsService, DeviceTokenService],
  exports: [PasswordHasher, CredentialsService, DeviceTokenService],
})
export class CredentialsModule {}
