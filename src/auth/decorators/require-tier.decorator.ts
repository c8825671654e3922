import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { REQUIRED_TIER_KEY } from '../auth.constants';
import { TierGuard } from '../guards/tier.guard';
import { Tier } from '../tier';

/**
 * Lets only principals of `tier` or higher through; others get 403
 * insufficient_tier (REST) or an error event of that code (WebSocket).
 * Works on a controller, a route handler or a @SubscribeMessage handler; the
 * handler's own requirement wins over its controller's.
 *
 * @example
 * @RequireTier(Tier.Trader)
 * @Controller('orders')
 * export class OrdersController {}
 */
export const RequireTier = (tier: Tier) =>
  applyDecorators(SetMetadata(REQUIRED_TIER_KEY, tier), UseGuards(TierGuard));
