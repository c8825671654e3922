import { RawRow } from '../../database/prepared-statements';
import { Tier } from '../../common/tier';

/** The owner of a session, as a refresh needs them to issue an access token. */
export interface SessionOwner {
  id: number;
  username: string;
  permissionTier: Tier;
  disabled: boolean;
  tokenVersion: number;
  sessionEpoch: number;
}

/** A session row and its owner, read in one statement when a refresh token is presented. */
export interface PresentedSession {
  id: string;
  userId: number;
  tokenHash: string;
  previousHash: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  rotatedAt: number | null;
  generation: number;
  /** The owner's epoch when the session was created. */
  sessionEpoch: number;
  /** How the user authenticated at login or the last step-up (`['pwd']` for rows older than the column). */
  amr: string[];
  /** When, epoch ms (created_at for rows older than the column). */
  authTime: number;
  owner: SessionOwner;
}

/**
 * The refresh path's one read: the session and its owner by primary key,
 * joined, so the tier, disabled flag and versions come with it.
 */
export const SELECT_PRESENTED_SESSION =
  'SELECT s.id, s.user_id, s.token_hash, s.previous_hash, s.created_at,' +
  ' s.expires_at, s.revoked_at, s.last_used_at, s.rotated_at, s.generation,' +
  ' s.session_epoch, s.amr, s.auth_time, u.username, u.permission_tier, u.disabled,' +
  ' u.token_version, u.session_epoch AS user_session_epoch' +
  ' FROM refresh_tokens s JOIN users u ON u.id = s.user_id WHERE s.id = ?';

/**
 * Maps the raw row of SELECT_PRESENTED_SESSION. Numbers may arrive as
 * strings (MySQL's BIGINT) and booleans as 0/1 (both drivers).
 */
export function toPresentedSession(row: RawRow): PresentedSession {
  const userId = Number(row.user_id);
  return {
    id: String(row.id),
    userId,
    tokenHash: String(row.token_hash),
    previousHash: nullableString(row.previous_hash),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: nullableNumber(row.revoked_at),
    lastUsedAt: nullableNumber(row.last_used_at),
    rotatedAt: nullableNumber(row.rotated_at),
    generation: Number(row.generation),
    sessionEpoch: Number(row.session_epoch),
    amr: nullableString(row.amr)?.split(',') ?? ['pwd'],
    authTime: nullableNumber(row.auth_time) ?? Number(row.created_at),
    owner: {
      id: userId,
      username: String(row.username),
      permissionTier: Number(row.permission_tier),
      disabled: Number(row.disabled) !== 0,
      tokenVersion: Number(row.token_version),
      sessionEpoch: Number(row.user_session_epoch),
    },
  };
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function nullableString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
