import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { SessionsController } from './sessions.controller';
import { JWT_ALGORITHM } from './auth.constants';
import { BlocklistedJti } from '../revocation/entities/blocklisted-jti.entity';
import { DeviceToken } from '../credentials/entities/device-token.entity';
import { RevocationEventRow } from '../revocation/entities/revocation-event-row.entity';
import { Session } from '../sessions/entities/session.entity';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { TierGuard } from './guards/tier.guard';
import { HeldRevocations } from '../revocation/held-revocations';
import { RevocationBus } from '../revocation/revocation.bus';
import { RevocationService } from '../revocation/revocation.service';
import { RevocationState } from '../revocation/revocation-state';
import { RevocationStore } from '../revocation/revocation.store';
import { RevocationSync } from '../revocation/revocation.sync';
import { AccessTokenAuthenticator } from './services/access-token-authenticator.service';
import {
  accessTokenKey,
  AccessTokenService,
} from './services/access-token.service';
import { AuthService } from './services/auth.service';
import { CredentialsService } from '../credentials/services/credentials.service';
import { DeviceTokenService } from '../credentials/services/device-token.service';
import { LoginAttemptService } from '../credentials/services/login-attempt.service';
import { PasswordHasher } from '../credentials/services/password-hasher.service';
import { SessionAdministration } from '../sessions/services/session-administration.service';
import { SessionActivity } from '../sessions/services/session-activity';
import { SessionService } from '../sessions/services/session.service';
import { WsTicketService } from './services/ws-ticket.service';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LocalStrategy } from './strategies/local.strategy';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    TypeOrmModule.forFeature([
      Session,
      BlocklistedJti,
      DeviceToken,
      RevocationEventRow,
    ]),
    AuditModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const key = accessTokenKey(config);
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: JWT_ALGORITHM },
          verifyOptions: { algorithms: [JWT_ALGORITHM] },
        };
      },
    }),
  ],
  controllers: [AuthController, SessionsController],
  providers: [
    AccessTokenService,
    AccessTokenAuthenticator,
    AuthService,
    CredentialsService,
    DeviceTokenService,
    LoginAttemptService,
    PasswordHasher,
    RevocationState,
    RevocationStore,
    RevocationBus,
    HeldRevocations,
    RevocationSync,
    RevocationService,
    SessionService,
    SessionActivity,
    SessionAdministration,
    WsTicketService,
    LocalStrategy,
    JwtStrategy,
    TierGuard,
    JwtAuthGuard,
  ],
  exports: [
    AccessTokenAuthenticator,
    JwtAuthGuard,
    WsTicketService,
    DeviceTokenService,
    LoginAttemptService,
    PasswordHasher,
    RevocationService,
    SessionService,
    SessionAdministration,
    TierGuard,
  ],
})
export class AuthModule {}
