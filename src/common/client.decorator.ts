import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ClientInfo, clientOf } from './client-info';

/**
 * The request's client (address, User-Agent, authenticated user), for
 * services that record who did something: sessions and the audit trail.
 *
 * @example
 * @Post('logout')
 * logout(@CurrentUser() user: Principal, @Client() client: ClientInfo) {}
 */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo =>
    clientOf(context.switchToHttp().getRequest()),
);
