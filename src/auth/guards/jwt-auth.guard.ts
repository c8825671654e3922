import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ApiException } from '../../common/api.exception';
import { httpRequest } from '../../common/http-request';
import { ErrorCode } from '../../common/error-codes';
import { JWT_STRATEGY } from '../auth.constants';
import { Principal } from '../principal';
import { AuthenticatedRequest } from '../principal-of';
import { routeAccessOf } from '../route-access';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';
import { verificationError } from '../services/access-token.service';

/**
 * The token of `Authorization: Bearer <token>` (the scheme in any case, RFC
 * 7235), or undefined. No regular expression over the whole token: whatever
 * follows the scheme is checked by the token verification itself.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8 || header.charCodeAt(6) !== 32)
    return undefined;
  const scheme = header.slice(0, 6);
  return scheme === 'Bearer' || scheme.toLowerCase() === 'bearer'
    ? header.slice(7)
    : undefined;
}

/**
 * The global guard: every route needs a valid, unrevoked access token in
 * `Authorization: Bearer`, unless it is @Public(). A token in the query
 * string is ignored on purpose (URLs end up in logs and proxies). The
 * principal lands on the request as `principal` and as `user`.
 *
 * A token's first request goes through passport-jwt (JwtStrategy) under
 * HS256, or through AccessTokenService (jose) under ES256/EdDSA, which
 * verifies it; the principal is then memoised until the token expires, and
 * every later request is answered synchronously from the memo plus the
 * revocation check, without passport: bench/layers.js measured passport-jwt
 * at about 9 µs a request against about 1 µs for the header parse and memo
 * hit. The WebSocket handshake uses the same authenticator and memo.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly authenticator: AccessTokenAuthenticator) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    if (routeAccessOf(context).isPublic) return true;
    const request = httpRequest<FastifyRequest & AuthenticatedRequest>(context);
    // Already authenticated by an API key (ApiKeyGuard runs first).
    if (request.principal) {
      request.user = request.principal;
      return true;
    }
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (token === undefined) {
      throw new ApiException(
        ErrorCode.Unauthorized,
        header === undefined
          ? 'Missing Authorization header; send Authorization: Bearer <access_token>'
          : 'Malformed Authorization header; expected Bearer <access_token>',
      );
    }
    const principal = this.authenticator.authenticateVerified(token);
    if (principal === undefined)
      return this.authenticator.symmetric
        ? this.verifyFirstTime(context, request)
        : this.verifyFirstTimeAsymmetric(request, token);
    request.principal = principal;
    request.user = principal;
    return true;
  }

  /**
   * The memo has not seen the token: passport-jwt verifies it, memoises it
   * (JwtStrategy.validate) and sets `request.user`.
   */
  private async verifyFirstTime(
    context: ExecutionContext,
    request: AuthenticatedRequest,
  ): Promise<boolean> {
    await super.canActivate(context);
    request.principal = request.user as Principal;
    return true;
  }

  /** ES256/EdDSA: jose verifies the token (AccessTokenService) and memoises it. */
  private async verifyFirstTimeAsymmetric(
    request: AuthenticatedRequest,
    token: string,
  ): Promise<boolean> {
    const principal = await this.authenticator.authenticate(token);
    request.principal = principal;
    request.user = principal;
    return true;
  }

  /**
   * passport's verdict, as this API's errors: what validate() threw
   * (token_invalid claims, token_revoked) as it is, and a token jsonwebtoken
   * refused as token_expired or token_invalid.
   */
  override handleRequest<TUser = Principal>(
    error: Error | null,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (error) throw error;
    if (!user) throw verificationError(info);
    return user;
  }
}
