import { Tier } from '../auth/tier';
import { User } from '../users/entities/user.entity';

/** What the admin API shows of a user: never the password hash or token bookkeeping. */
export interface UserView {
  id: number;
  username: string;
  permission_tier: Tier;
  disabled: boolean;
  created_at: number;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    permission_tier: user.permissionTier,
    disabled: user.disabled,
    created_at: Math.floor(user.createdAt / 1000),
  };
}
