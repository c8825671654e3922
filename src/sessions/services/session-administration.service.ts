import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditTrail } from '../../audit/audit-trail.service';
import { ApiException } from '../../common/api.exception';
import { ClientInfo } from '../../common/client-info';
import { ErrorCode } from '../../common/error-codes';
import { SessionView, toSessionView } from '../session-view';
import { SessionService } from './session.service';

/**
 * Listing and ending sessions, for their owner (`/auth/sessions`) and for an
 * admin (`/admin/users/:id/sessions`): the same rules, and an audit event
 * for each ending, whoever asked.
 */
@Injectable()
export class SessionAdministration {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditTrail,
  ) {}

  async list(
    userId: number,
    currentSessionId?: string,
  ): Promise<SessionView[]> {
    const live = await this.sessions.listLive(userId);
    return live.map((session) => toSessionView(session, currentSessionId));
  }

  /** Ends one of the user's live sessions; 404 not_found for any other id (another user's too). */
  async end(
    userId: number,
    sessionId: string,
    client: ClientInfo,
  ): Promise<void> {
    const session = await this.sessions.findLive(userId, sessionId);
    if (!session) throw new ApiException(ErrorCode.NotFound, 'No such session');
    await this.sessions.revoke(session.id, userId);
    this.audit.record({
      type: AuditEventType.SessionRevoked,
      userId,
      client,
      detail: { session_id: session.id },
    });
  }

  /** Ends every live session of the user except `keepId`. */
  async endAllExcept(
    userId: number,
    keepId: string,
    client: ClientInfo,
  ): Promise<void> {
    const count = await this.sessions.revokeAllExcept(userId, keepId);
    this.audit.record({
      type: AuditEventType.SessionsRevokedAll,
      userId,
      client,
      detail: { kept_session_id: keepId, count },
    });
  }
}
