import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { USER_AGENT_MAX } from '../../common/client-info';
import { epochMs } from '../../database/epoch-ms.transformer';
import { User } from '../../users/entities/user.entity';

/** An IPv6 address with a zone fits; nothing longer is an address. */
export const ADDRESS_MAX = 64;

/**
 * One login session, which is one refresh token: the id is the session id
 * the access tokens carry (`sid`) and the public half of the refresh token;
 * only the SHA-256 of the secret half is stored. The table keeps its first
 * name, `refresh_tokens`.
 */
@Entity('refresh_tokens')
@Index('refresh_tokens_user_id_idx', ['userId'])
@Index('refresh_tokens_expires_at_idx', ['expiresAt'])
@Index('refresh_tokens_revoked_at_idx', ['revokedAt'])
export class Session {
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  id!: string;

  /** Revoke-all and session listing go by user. */
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their sessions. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'refresh_tokens_user_fk',
  })
  user?: User;

  /** Hex SHA-256 of the secret part of the session's current refresh token. */
  @Column({
    name: 'token_hash',
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** Purge of dead sessions goes by expiry. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  @Column({
    name: 'revoked_at',
    type: 'bigint',
    nullable: true,
    default: null,
    transformer: epochMs,
  })
  revokedAt!: number | null;

  /** The user's session_epoch when the session was created; refresh refuses it once the user's moved on. */
  @Column({ name: 'session_epoch', type: 'integer', default: 0 })
  sessionEpoch!: number;

  /** Login or the last refresh; null only on rows older than this column. */
  @Column({
    name: 'last_used_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  lastUsedAt!: number | null;

  /** Client address at login or at the last refresh. */
  @Column({ type: 'varchar', length: ADDRESS_MAX, nullable: true })
  ip!: string | null;

  /** User-Agent at login or at the last refresh, cut to USER_AGENT_MAX characters. */
  @Column({
    name: 'user_agent',
    type: 'varchar',
    length: USER_AGENT_MAX,
    nullable: true,
  })
  userAgent!: string | null;

  /**
   * Rotation: hex SHA-256 of the refresh token's secret that the last
   * rotation retired, and when. Within the reuse grace it still answers with
   * its successor (which is derived, not stored); after it, it is theft.
   */
  @Column({
    name: 'previous_hash',
    type: 'varchar',
    length: 64,
    nullable: true,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  previousHash!: string | null;

  @Column({
    name: 'rotated_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  rotatedAt!: number | null;

  /** Rotations so far: how far back an older retired token can be traced. */
  @Column({ type: 'integer', default: 0 })
  generation!: number;

  /**
   * How the user proved themselves at login or at the last step-up, as the
   * access tokens' `amr` claim (RFC 8176), comma-separated: `pwd` or
   * `pwd,otp`. A refresh keeps it: a refresh is not an authentication.
   * Null on rows older than this column, which mean `pwd`.
   */
  @Column({ type: 'varchar', length: 32, nullable: true })
  amr!: string | null;

  /** The last interactive authentication (login or step-up), the tokens' `auth_time`; null on older rows (their created_at). */
  @Column({
    name: 'auth_time',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  authTime!: number | null;
}
