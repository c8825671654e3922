import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditTrail } from '../audit/audit-trail.service';
import type { Principal } from '../auth/principal';
import { RecentSecondFactor } from '../auth/services/recent-second-factor.service';
import { clientOf } from '../common/client-info';
import { DeviceTokenService } from '../credentials/services/device-token.service';
import {
  LoginAttemptService,
  LoginRequest,
} from '../credentials/services/login-attempt.service';
import { MfaChallenges } from '../credentials/services/mfa-challenges.service';
import { PasswordHasher } from '../credentials/services/password-hasher.service';
import { SessionService } from '../sessions/services/session.service';
import { ChangePasswordDto } from './dto/change-password.dto';

/**
 * A user changing their own password, from a session: the current password
 * (checked and budgeted as a login), the second factor when it is on (a code
 * or a recent step-up), then every other session and every API key of the
 * user ends at once on every instance (their sockets close with 4002), and
 * devices trusted under the old password are trusted no more. The calling
 * session stays, with its access token: it is the one that proved both.
 */
@Injectable()
export class PasswordChange {
  constructor(
    private readonly attempts: LoginAttemptService,
    private readonly secondFactor: RecentSecondFactor,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly keys: ApiKeysService,
    private readonly devices: DeviceTokenService,
    private readonly challenges: MfaChallenges,
    private readonly audit: AuditTrail,
  ) {}

  async change(
    principal: Principal,
    body: ChangePasswordDto,
    request: LoginRequest,
  ): Promise<void> {
    await this.attempts.confirmPassword(
      request,
      principal.username,
      body.current_password,
    );
    await this.secondFactor.require(
      request,
      principal,
      body.code,
      'password_change',
    );
    const passwordHash = await this.hasher.hash(body.new_password);
    await this.sessions.changeUserKeeping(principal.id, principal.sessionId, {
      passwordHash,
    });
    const client = clientOf(request);
    const sessionsEnded = await this.sessions.revokeAllExcept(
      principal.id,
      principal.sessionId,
    );
    const keysRevoked = await this.keys.revokeAllOf(principal.id, client);
    await this.devices.revokeAll(principal.id);
    await this.challenges.removeAll(principal.id);
    this.audit.record({
      type: AuditEventType.PasswordChanged,
      userId: principal.id,
      client,
      detail: {
        by: 'self',
        sessions_ended: sessionsEnded,
        api_keys_revoked: keysRevoked,
      },
    });
  }
}
