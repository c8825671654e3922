import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { Tier } from '../auth/tier';
import type { User } from '../users/entities/user.entity';

/** True when `update` takes an enabled admin out of the enabled tier-4 users (demotion or disable). */
export function removesActiveAdmin(
  user: Pick<User, 'permissionTier' | 'disabled'>,
  update: Partial<Pick<User, 'permissionTier' | 'disabled'>>,
): boolean {
  if (user.permissionTier !== Tier.Admin || user.disabled) return false;
  return (
    (update.permissionTier !== undefined &&
      update.permissionTier !== Tier.Admin) ||
    update.disabled === true
  );
}

export function lastAdminConflict(): ApiException {
  return new ApiException(
    ErrorCode.Conflict,
    'This change would leave no enabled admin (tier 4); promote or enable another admin first',
  );
}
