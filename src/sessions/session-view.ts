import { Session } from './entities/session.entity';

/** A session as `GET /auth/sessions` and the admin listing show it (never a hash). */
export interface SessionView {
  id: string;
  /** Epoch seconds, like every time the API shows. */
  created_at: number;
  /** Epoch seconds: login or the last refresh. */
  last_used_at: number;
  ip: string | null;
  user_agent: string | null;
  /** Whether the request was made with an access token of this session. */
  current: boolean;
}

export function toSessionView(
  session: Session,
  currentSessionId: string | undefined,
): SessionView {
  return {
    id: session.id,
    created_at: Math.floor(session.createdAt / 1000),
    last_used_at: Math.floor((session.lastUsedAt ?? session.createdAt) / 1000),
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.id === currentSessionId,
  };
}
