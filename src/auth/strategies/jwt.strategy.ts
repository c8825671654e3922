import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import { JWT_STRATEGY } from '../auth.constants';
import { bearerToken } from '../guards/jwt-auth.guard';
import { AccessTokenClaims, Principal } from '../principal';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';
import {
  accessTokenKey,
  accessTokenVerifyOptions,
  AccessTokenService,
} from '../services/access-token.service';

/**
 * passport-jwt for access tokens. JwtAuthGuard runs it only for a token the
 * verified-token memo has not seen; afterwards the memo answers. It verifies
 * the signature with the algorithm, issuer and audience pinned (the same
 * options the WebSocket handshake verifies with), and validate() turns the
 * claims into the principal and asks the revocation service.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    config: AppConfig,
    private readonly tokens: AccessTokenService,
    private readonly authenticator: AccessTokenAuthenticator,
  ) {
    const { algorithms, issuer, audience, clockTolerance } =
      accessTokenVerifyOptions(config);
    super({
      jwtFromRequest: (request: { headers: { authorization?: string } }) =>
        bearerToken(request.headers.authorization),
      // A KeyObject, as JwtService has (a string secret is parsed as a PEM
      // key on every call); jsonwebtoken 9 takes one, the types do not say so.
      secretOrKey: accessTokenKey(config) as unknown as string,
      algorithms,
      issuer,
      audience,
      jsonWebTokenOptions: { clockTolerance },
      passReqToCallback: true,
    });
  }

  /**
   * The principal, memoised as soon as the signature checks out and before
   * the revocation check: a revoked token presented again is then refused
   * from the memo, not verified again through passport on every attempt.
   */
  validate(
    request: { headers: { authorization?: string } },
    claims: AccessTokenClaims,
  ): Principal {
    const principal = this.tokens.principalFrom(claims);
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) this.tokens.remember(token, principal);
    return this.authenticator.admit(principal);
  }
}
