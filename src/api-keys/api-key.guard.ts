import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import type { WithPrincipal } from '../auth/principal-of';
import { RouteAccess, routeAccessOf } from '../auth/route-access';
import { DEFAULT_SCOPES, scopeNeeded, scopesSatisfy } from '../auth/scope';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { httpRequest } from '../common/http-request';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import type { WithBodyDigest } from './signed-body';

/** The request header a key travels in; never a query parameter (URLs end up in logs). */
export const API_KEY_HEADER = 'x-api-key';

/**
 * Authenticates requests that carry `X-API-Key` and holds them to the key's
 * scopes (and the messages of sockets opened with a key), ahead of the global
 * JwtAuthGuard: global guards run in the order Nest meets their APP_GUARD
 * providers, which is the order of AppModule's `providers` array (ApiKeyGuard,
 * JwtAuthGuard, WriteRateLimitGuard); the order of its `imports` plays no
 * part, as all three are declared there. JwtAuthGuard lets a request through
 * whose principal is already set. Requests without the header are left to
 * JwtAuthGuard untouched.
 *
 * Stays synchronous when a secret key is memoised, so a GET keeps Nest's
 * synchronous guard path, as it does with an access token. A signed
 * request (`X-API-Key: <id>` with X-API-Timestamp and X-API-Signature) is
 * answered by a promise: its replay check may ask Redis.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() === 'ws') return this.socketMessage(context);
    if (context.getType() !== 'http') return true;
    const request = httpRequest<
      FastifyRequest & WithPrincipal & WithBodyDigest
    >(context);
    const header = request.headers[API_KEY_HEADER];
    if (header === undefined) return true;
    const access = routeAccessOf(context);
    if (access.sessionOnly) {
      throw new ApiException(
        ErrorCode.SessionRequired,
        'This route needs a session (Authorization: Bearer <access_token>); API keys cannot use it',
      );
    }
    if (access.isPublic) return true;
    if (request.headers.authorization !== undefined) {
      throw new ApiException(
        ErrorCode.ValidationError,
        'Send either X-API-Key or Authorization, not both',
      );
    }
    // Node joins repeated headers; such a value fails the key format below.
    const verdict = this.authenticator.authenticate(
      Array.isArray(header) ? header.join(',') : header,
      request.ip,
      request,
    );
    if (!(verdict instanceof Promise)) {
      holdToScope(verdict, access, request.method);
      request.principal = verdict;
      return true;
    }
    return verdict.then((principal: Principal) => {
      holdToScope(principal, access, request.method);
      request.principal = principal;
      return true;
    });
  }

  /**
   * A message on a socket opened with a key's ticket is held to the key's
   * scopes like a REST read: `read` unless its handler declares another.
   */
  private socketMessage(context: ExecutionContext): boolean {
    const { principal } = context.switchToWs().getClient<WithPrincipal>();
    if (principal?.apiKeyId !== undefined)
      holdToScope(principal, routeAccessOf(context), undefined);
    return true;
  }
}

/**
 * 403 insufficient_scope unless the key was granted what the route needs
 * (scopeNeeded: its @RequireScope, else `read` for a GET or a message, else
 * nothing for a write). A session (no apiKeyId) passes; a key principal
 * without scopes (a ticket sealed before scopes existed) counts as read-only.
 */
function holdToScope(
  principal: Principal,
  access: RouteAccess,
  method: string | undefined,
): void {
  if (principal.apiKeyId === undefined) return;
  // Before the scope: whatever its scopes, a key cannot prove a second
  // factor (it is not a person), so @RequireMfa routes answer as MfaGuard
  // would, 403 session_required, rather than with a scope to ask for.
  if (access.requiredMfa !== undefined) {
    throw new ApiException(
      ErrorCode.SessionRequired,
      'This route needs a second factor, which only a session can prove; API keys cannot use it',
    );
  }
  const needed = scopeNeeded(access.requiredScope, method);
  if (scopesSatisfy(principal.scopes ?? DEFAULT_SCOPES, needed)) return;
  throw new ApiException(
    ErrorCode.InsufficientScope,
    needed === undefined
      ? `This route takes no API key: a ${method ?? 'message'} that declares no scope is for sessions only`
      : `This API key lacks the "${needed}" scope; create a key with scopes including "${needed}"`,
  );
}
