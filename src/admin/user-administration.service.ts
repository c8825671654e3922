import { Injectable } from '@nestjs/common';
import { RevocationService } from '../auth/revocation/revocation.service';
import { DeviceTokenService } from '../auth/services/device-token.service';
import { PasswordHasher } from '../auth/services/password-hasher.service';
import { SessionService } from '../auth/services/session.service';
import { Tier } from '../auth/tier';
import { User } from '../users/entities/user.entity';
import { Page, UsersService } from '../users/users.service';

export interface UserChanges {
  permission_tier?: Tier;
  disabled?: boolean;
  password?: string;
}

/**
 * Account administration for the admin API and the operator CLI alike.
 * Every change that alters what a token may do (tier, password, disable)
 * revokes the user's access tokens in the same UPDATE; password changes and
 * disabling also end the user's sessions, so their refresh tokens stop too.
 */
@Injectable()
export class UserAdministrationService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly revocation: RevocationService,
    private readonly deviceTokens: DeviceTokenService,
  ) {}

  async create(username: string, password: string, tier: Tier): Promise<User> {
    return this.users.create(username, await this.hasher.hash(password), tier);
  }

  list(page: number, perPage: number): Promise<Page<User>> {
    return this.users.list(page, perPage);
  }

  async update(id: number, changes: UserChanges): Promise<User> {
    const user = await this.users.getById(id);
    const update: Partial<User> = {};
    if (
      changes.permission_tier !== undefined &&
      changes.permission_tier !== user.permissionTier
    ) {
      update.permissionTier = changes.permission_tier;
    }
    if (changes.disabled !== undefined && changes.disabled !== user.disabled)
      update.disabled = changes.disabled;
    if (changes.password !== undefined)
      update.passwordHash = await this.hasher.hash(changes.password);

    const endsSessions =
      update.passwordHash !== undefined || update.disabled === true;
    const revokesTokens = endsSessions || update.permissionTier !== undefined;
    if (revokesTokens) {
      if (endsSessions) await this.sessions.revokeAll(id);
      // A new password: devices trusted under the old one are trusted no more.
      if (update.passwordHash !== undefined)
        await this.deviceTokens.revokeAll(id);
      await this.revocation.revokeUserTokens(id, update);
    } else if (Object.keys(update).length > 0) {
      await this.users.update(id, update);
    }
    return this.users.getById(id);
  }

  /** Ends every session of the user: refresh tokens revoked, access tokens rejected. */
  async revokeSessions(id: number): Promise<void> {
    await this.users.getById(id);
    await this.sessions.revokeAll(id);
    await this.deviceTokens.revokeAll(id);
    await this.revocation.revokeUserTokens(id);
  }
}
