import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { CredentialsModule } from '../credentials/credentials.module';
import { LoginProtectionModule } from '../credentials/login-protection.module';
import { RevocationModule } from '../revocation/revocation.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthController } from './auth.controller';
import { SessionsController } from './sessions.controller';
import { HS256 } from './auth.constants';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { MfaGuard } from './guards/mfa.guard';
import { MfaController } from './mfa.controller';
import { IntrospectionController } from './introspection.controller';
import { WellKnownController } from './well-known.controller';
import { TierGuard } from './guards/tier.guard';
import { AccessTokenAuthenticator } from './services/access-token-authenticator.service';
import {
  accessTokenKey,
  AccessTokenService,
} from './services/access-token.service';
import { AuthService } from './services/auth.service';
import { RecentSecondFactor } from './services/recent-second-factor.service';
import { WsTicketService } from './services/ws-ticket.service';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LocalStrategy } from './strategies/local.strategy';

/**
 * Authentication over HTTP and WebSocket: access tokens (issued, verified,
 * memoised), the guards and strategies, WebSocket tickets, and the
 * `/auth/*` routes, including `/auth/sessions` (its controller needs
 * @CurrentUser, so it lives here, above sessions/). Sessions, revocation and
 * credentials are modules of their own, which the CLI imports without this
 * one (no passport, no controllers).
 */
@Module({
  imports: [
    PassportModule,
    AuditModule,
    CredentialsModule,
    LoginProtectionModule,
    RevocationModule,
    SessionsModule,
    TokensModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const key = accessTokenKey(config);
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: HS256 },
          verifyOptions: { algorithms: [HS256] },
        };
      },
    }),
  ],
  controllers: [
    AuthController,
    SessionsController,
    MfaController,
    IntrospectionController,
    WellKnownController,
  ],
  providers: [
    AccessTokenService,
    AccessTokenAuthenticator,
    AuthService,
    WsTicketService,
    LocalStrategy,
    JwtStrategy,
    TierGuard,
    JwtAuthGuard,
    MfaGuard,
    RecentSecondFactor,
  ],
  exports: [
    RecentSecondFactor,
    AccessTokenAuthenticator,
    JwtAuthGuard,
    MfaGuard,
    WsTicketService,
    TierGuard,
  ],
})
export class AuthModule {}
