import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Principal } from '../principal';
import { principalOf } from '../principal-of';

/**
 * The authenticated principal of the request or socket.
 *
 * @example
 * @Get('me')
 * me(@CurrentUser() user: Principal) {}
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    principalOf(context),
);
