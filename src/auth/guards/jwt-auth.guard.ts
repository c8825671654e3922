import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { IS_PUBLIC_KEY } from '../auth.constants';
import { WithPrincipal } from '../principal-of';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';

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
 * string is ignored on purpose (URLs end up in logs and proxies).
 *
 * This guard calls the shared authenticator directly rather than going
 * through passport-jwt: bench/layers.js measured passport-jwt at about 9 µs
 * a request (it verifies the signature every time) against about 1 µs for
 * the header parse and verified-token cache hit here, and the WebSocket
 * handshake uses the same authenticator. passport-local still runs logins.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: AccessTokenAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(
      IS_PUBLIC_KEY,
      [context.getHandler(), context.getClass()],
    );
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & WithPrincipal>();
    // Already authenticated by an API key (ApiKeyGuard runs first).
    if (request.principal) return true;
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
    request.principal = this.authenticator.authenticate(token);
    return true;
  }
}
