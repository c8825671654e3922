import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { REQUIRED_TIER_KEY } from '../auth.constants';
import { principalOf } from '../principal-of';
import { Tier, tierSatisfies } from '../tier';

/** Enforces @RequireTier; the rule itself is tierSatisfies. */
@Injectable()
export class TierGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Tier | undefined>(
      REQUIRED_TIER_KEY,
      [context.getHandler(), context.getClass()],
    );
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
