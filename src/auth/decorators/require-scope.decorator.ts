import { SetMetadata } from '@nestjs/common';
import { REQUIRED_SCOPE_KEY } from '../auth.constants';
import type { Scope } from '../scope';

/**
 * The scope an API key needs for a route or a WebSocket message; others get
 * 403 insufficient_scope (REST) or an error event of that code (WebSocket).
 * A session passes every scope: @RequireTier still governs it, and both
 * apply to a key. Without it, a key needs `read` for a GET and a message,
 * and cannot call a write at all (deny by default): declare the scope of
 * every write a program may make. Works on a controller or a handler (the
 * handler's wins). ApiKeyGuard enforces it, so it needs no guard of its own.
 *
 * @example
 * @RequireTier(Tier.Trader)
 * @Controller('orders')
 * export class OrdersController {
 *   @RequireScope('trade')
 *   @Post()
 *   place() {}
 * }
 */
export const RequireScope = (scope: Scope) =>
  SetMetadata(REQUIRED_SCOPE_KEY, scope);
