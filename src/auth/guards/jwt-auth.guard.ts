import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { IS_PUBLIC_KEY } from '../auth.constants';
import { WithPrincipal } from '../principal-of';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';

// The scheme name is case-insensitive (RFC 7235); the token is base64url segments.
const BEARER = /^Bearer ([A-Za-z0-9\-_.]+)$/i;

/**
 * The global guard: every route needs a valid, unrevoked access token in
 * `Authorization: Bearer`, unless it is @Public(). A token in the query
 * string is ignored on purpose (URLs end up in logs and proxies).
 *
 * This guard calls the shared authenticator directly rather than going
 * through passport-jwt: the benchmark showed passport's per-request strategy
 * set-up costing more than the cached verification itself (see README,
 * "Performance"), and the WebSocket handshake uses the same authenticator.
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
    const header = request.headers.authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) {
      throw new ApiException(
        ErrorCode.Unauthorized,
        header === undefined
          ? 'Missing Authorization header; send Authorization: Bearer <access_token>'
          : 'Malformed Authorization header; expected Bearer <access_token>',
      );
    }
    request.principal = this.authenticator.authenticate(match[1]);
    return true;
  }
}
