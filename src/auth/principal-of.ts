import { ExecutionContext } from '@nestjs/common';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { httpRequest } from '../common/http-request';
import { Principal } from './principal';

/** Where the guards put the principal: on the request (REST) or on the socket (WebSocket). */
export interface WithPrincipal {
  principal?: Principal;
}

/**
 * An HTTP request past JwtAuthGuard: `user` is the same principal, for code
 * written the passport way (`@Req() request` and `request.user`).
 */
export interface AuthenticatedRequest extends WithPrincipal {
  user?: Principal | null;
}

export function principalOf(context: ExecutionContext): Principal {
  const holder =
    context.getType() === 'ws'
      ? context.switchToWs().getClient<WithPrincipal>()
      : httpRequest<WithPrincipal>(context);
  if (!holder.principal) {
    throw new ApiException(ErrorCode.Unauthorized, 'Authentication required');
  }
  return holder.principal;
}
