import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditTrail } from '../../audit/audit-trail.service';
import { ApiException } from '../../common/api.exception';
import { ClientInfo } from '../../common/client-info';
import { ErrorCode } from '../../common/error-codes';
import { User } from '../../users/entities/user.entity';
import { Principal } from '../principal';
import { RevocationService } from '../../revocation/revocation.service';
import { Tier } from '../tier';
import { AccessTokenService } from './access-token.service';
import { LOGIN_HOOK, LoginHook } from './login-hook';
import { SessionOwner } from '../../sessions/services/presented-session';
import {
  refreshTokenInvalid,
  SessionAuthentication,
  SessionService,
} from '../../sessions/services/session.service';
import { WITH_SECOND_FACTOR } from '../../credentials/services/login-flow.service';

export interface LoginResponse {
  access_token: string;
  refresh_token: string;
  access_expires_at: number;
  permission_tier: Tier;
}

export interface RefreshResponse {
  access_token: string;
  access_expires_at: number;
  /** With REFRESH_ROTATION=on only: the token to use next; the one presented is retired. */
  refresh_token?: string;
}

/** The spec's three session operations, composed from the single-purpose services. */
@Injectable()
export class AuthService {
  constructor(
    private readonly sessions: SessionService,
    private readonly tokens: AccessTokenService,
    private readonly revocation: RevocationService,
    private readonly audit: AuditTrail,
    @Optional() @Inject(LOGIN_HOOK) private readonly loginHook?: LoginHook,
  ) {}

  /** Opens a session for a user whose credentials were checked (`amr`: how). */
  async login(
    user: User,
    client: ClientInfo,
    amr: readonly string[],
  ): Promise<LoginResponse> {
    if (this.loginHook) await this.loginHook.beforeSessionInsert(user);
    const authentication = { amr, authTimeMs: Date.now() };
    const { sessionId, refreshToken } = await this.sessions.create(
      user.id,
      user.sessionEpoch,
      client,
      authentication,
    );
    const access = await this.issueFor(user, sessionId, authentication);
    this.audit.record({
      type: AuditEventType.LoginSucceeded,
      userId: user.id,
      client,
      actorId: user.id,
      detail: { session_id: sessionId, amr: amr.join(',') },
    });
    return {
      access_token: access.token,
      refresh_token: refreshToken,
      access_expires_at: access.expiresAt,
      permission_tier: user.permissionTier,
    };
  }

  /**
   * A new access token for a live session, carrying the user's current tier.
   * With rotation off the refresh token stays (the spec returns none); with
   * it on, the response adds its successor. A retired token presented after
   * the grace is theft: the whole session ends at once.
   */
  async refresh(
    refreshToken: string,
    client: ClientInfo,
    onVerified?: (userId: number) => Promise<unknown>,
  ): Promise<RefreshResponse> {
    const use = await this.sessions.use(refreshToken, client);
    const session = use.session;
    if (use.kind === 'reused') {
      await this.revocation.revokeSession(session.id, session.userId);
      this.audit.record({
        type: AuditEventType.RefreshTokenReused,
        userId: session.userId,
        client,
        actorId: null,
        detail: { session_id: session.id },
      });
      throw refreshTokenInvalid();
    }
    // E.g. the user's rate limit: charged only for a token that checked out.
    await onVerified?.(session.userId);
    // Read with the session, in the same statement.
    const user = session.owner;
    // Behind the user's epoch: created by a login that raced a password
    // change, disable or revoke-all, which ended every session before it.
    if (session.sessionEpoch < user.sessionEpoch) throw refreshTokenInvalid();
    if (user.disabled)
      throw new ApiException(
        ErrorCode.AccountDisabled,
        'This account is disabled',
      );
    // Not an authentication: the session's amr and auth_time carry over.
    const access = await this.issueFor(user, session.id, {
      amr: session.amr,
      authTimeMs: session.authTime,
    });
    return {
      access_token: access.token,
      access_expires_at: access.expiresAt,
      ...(use.refreshToken !== undefined && {
        refresh_token: use.refreshToken,
      }),
    };
  }

  /**
   * Ends the caller's session: its access token is blocklisted and its
   * refresh token revoked, in one transaction, so a failure leaves neither
   * done and a retry can do both.
   */
  async logout(principal: Principal, client: ClientInfo): Promise<void> {
    await this.revocation.endSession(principal);
    this.audit.record({
      type: AuditEventType.Logout,
      userId: principal.id,
      client,
      detail: { session_id: principal.sessionId },
    });
  }

  /**
   * A step-up whose code was checked: the caller's session now says it saw
   * the second factor now, and a new access token on it says so too (the
   * one presented keeps its older claims until it expires).
   */
  async stepUp(
    principal: Principal,
    client: ClientInfo,
  ): Promise<RefreshResponse> {
    const authentication = {
      amr: WITH_SECOND_FACTOR,
      authTimeMs: Date.now(),
    };
    const live = await this.sessions.recordAuthentication(
      principal.sessionId,
      principal.id,
      authentication,
    );
    if (!live)
      throw new ApiException(
        ErrorCode.TokenRevoked,
        'Access token has been revoked; log in again',
      );
    const access = await this.tokens.issue({
      userId: principal.id,
      username: principal.username,
      tier: principal.tier,
      tokenVersion: principal.tokenVersion,
      sessionId: principal.sessionId,
      amr: authentication.amr,
      authTime: Math.floor(authentication.authTimeMs / 1000),
    });
    this.audit.record({
      type: AuditEventType.StepUp,
      userId: principal.id,
      client,
      detail: { session_id: principal.sessionId },
    });
    return { access_token: access.token, access_expires_at: access.expiresAt };
  }

  private issueFor(
    user: SessionOwner,
    sessionId: string,
    authentication: SessionAuthentication,
  ) {
    return this.tokens.issue({
      userId: user.id,
      username: user.username,
      tier: user.permissionTier,
      tokenVersion: user.tokenVersion,
      sessionId,
      amr: authentication.amr,
      authTime: Math.floor(authentication.authTimeMs / 1000),
    });
  }
}
