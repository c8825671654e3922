import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { principalOf } from '../principal-of';
import { routeAccessOf } from '../route-access';
import { Tier, tierSatisfies } from '../tier';

/** Enforces @RequireTier; the rule itself is tierSatisfies. */
@Injectable()
export class TierGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const required = routeAccessOf(context).requiredTier;
    if (required === undefined) return true;
    const principal = principalOf(context);
    if (!tierSatisfies(principal.tier, required)) {
      throw new ApiException(
        ErrorCode.InsufficientTier,
        `This action requires permission tier ${required} (${Tier[required]}); yours is ${principal.tier}`,
      );
    }
    return true;
  }
}
