import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditTrail } from '../audit/audit-trail.service';
import { RevocationService } from '../revocation/revocation.service';
import { DeviceTokenService } from '../credentials/services/device-token.service';
import { PasswordHasher } from '../credentials/services/password-hasher.service';
import { SecondFactorRemoval } from '../credentials/services/second-factor-removal.service';
import { SessionService } from '../sessions/services/session.service';
import { Tier } from '../auth/tier';
import { ClientInfo } from '../common/client-info';
import { User } from '../users/entities/user.entity';
import { Page, UsersService } from '../users/users.service';
import { lastAdminConflict, removesActiveAdmin } from './last-admin';

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
    private readonly secondFactors: SecondFactorRemoval,
    private readonly audit: AuditTrail,
  ) {}

  /** `client`: the admin's request, or NO_CLIENT for the CLI and the bootstrap admin. */
  async create(
    username: string,
    password: string,
    tier: Tier,
    client: ClientInfo,
  ): Promise<User> {
    const user = await this.users.create(
      username,
      await this.hasher.hash(password),
      tier,
    );
    this.audit.record({
      type: AuditEventType.UserCreated,
      userId: user.id,
      client,
      detail: { username: user.username, permission_tier: tier },
    });
    return user;
  }

  list(page: number, perPage: number): Promise<Page<User>> {
    return this.users.list(page, perPage);
  }

  async update(
    id: number,
    changes: UserChanges,
    client: ClientInfo,
  ): Promise<User> {
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

    // Never leave the system without an enabled admin: checked before the
    // change, and again after it, for a concurrent change (another instance,
    // the CLI) that removed the other admin in between.
    const removesAdmin = removesActiveAdmin(user, update);
    if (removesAdmin && (await this.users.countActiveAdminsExcept(id)) === 0)
      throw lastAdminConflict();

    if (changes.password !== undefined)
      update.passwordHash = await this.hasher.hash(changes.password);

    const endsSessions =
      update.passwordHash !== undefined || update.disabled === true;
    const revokesTokens = endsSessions || update.permissionTier !== undefined;
    if (revokesTokens) {
      // The new password (or the disable) and a newer session epoch land in
      // one UPDATE; then the existing sessions are revoked, which moves the
      // epoch on again. A login that read the user before the UPDATE gets a
      // session behind the epoch (refused on refresh); one that reads it
      // after sees the new password or the disabled flag.
      if (endsSessions) update.sessionEpoch = user.sessionEpoch + 1;
      await this.revocation.revokeUserTokens(id, update);
      if (endsSessions) await this.sessions.revokeAll(id);
      // A new password: devices trusted under the old one are trusted no more.
      if (update.passwordHash !== undefined)
        await this.deviceTokens.revokeAll(id);
      if (
        removesAdmin &&
        (await this.users.countActiveAdminsExcept(id)) === 0
      ) {
        // Lost the race: give the admin back what this change took. Whoever
        // looks last sees both changes, so at least one admin stays enabled.
        await this.revocation.revokeUserTokens(id, {
          permissionTier: user.permissionTier,
          disabled: user.disabled,
        });
        throw lastAdminConflict();
      }
    } else if (Object.keys(update).length > 0) {
      await this.users.update(id, update);
    }
    this.recordChanges(user, update, client);
    return this.users.getById(id);
  }

  /** One audit event per kind of change that landed. */
  private recordChanges(
    before: User,
    update: Partial<User>,
    client: ClientInfo,
  ): void {
    const userId = before.id;
    if (update.permissionTier !== undefined)
      this.audit.record({
        type: AuditEventType.TierChanged,
        userId,
        client,
        detail: { from: before.permissionTier, to: update.permissionTier },
      });
    if (update.disabled !== undefined)
      this.audit.record({
        type: update.disabled
          ? AuditEventType.UserDisabled
          : AuditEventType.UserEnabled,
        userId,
        client,
      });
    if (update.passwordHash !== undefined)
      this.audit.record({
        type: AuditEventType.PasswordChanged,
        userId,
        client,
      });
  }

  /** Ends every session of the user: refresh tokens revoked, access tokens rejected. */
  async revokeSessions(id: number, client: ClientInfo): Promise<void> {
    await this.users.getById(id);
    await this.sessions.revokeAll(id);
    await this.deviceTokens.revokeAll(id);
    await this.revocation.revokeUserTokens(id);
    this.audit.record({
      type: AuditEventType.SessionsRevokedAll,
      userId: id,
      client,
    });
  }

  /**
   * A user who lost their phone: the second factor and its recovery codes
   * go, and every session ends (as revoke-all: the sessions, their access
   * tokens, trusted devices, and the API keys made under them), so whoever
   * holds the phone or a session cannot go on as the user. The user logs
   * in with the password and enrols again.
   */
  async resetMfa(id: number, client: ClientInfo): Promise<void> {
    await this.users.getById(id);
    const hadFactor = await this.secondFactors.remove(id);
    await this.sessions.revokeAll(id);
    await this.deviceTokens.revokeAll(id);
    await this.revocation.revokeUserTokens(id);
    this.audit.record({
      type: AuditEventType.MfaReset,
      userId: id,
      client,
      detail: { had_factor: hadFactor },
    });
  }
}
