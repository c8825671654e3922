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
import { epochMs } from '../../database/epoch-ms.transformer';
import { User } from '../../users/entities/user.entity';

/**
 * One login session. The id is the session id the access tokens carry
 * (`sid`) and the public half of the opaque refresh token; only the SHA-256
 * of the secret half is stored.
 */
@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  id!: string;

  /** Revoke-all and session listing by user. */
  @Index('refresh_tokens_user_id_idx')
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their sessions. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'refresh_tokens_user_fk',
  })
  user?: User;

  /** Hex SHA-256 of the secret part of the refresh token. */
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

  /** Purge of dead sessions. */
  @Index('refresh_tokens_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  @Index('refresh_tokens_revoked_at_idx')
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
}
