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
 * A trusted device (OWASP's "device cookie"): login returns
 * `<id>.<secret>`, and a later login for the same user that sends it back is
 * exempt from the per-account failure budget. Only the SHA-256 of the secret
 * is stored. Rows go on a password change or revoke-all, and when expired.
 */
@Entity('device_tokens')
export class DeviceToken {
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  id!: string;

  /** Revoke-all and password changes delete a user's rows. */
  @Index('device_tokens_user_id_idx')
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their device tokens. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'device_tokens_user_fk',
  })
  user?: User;

  /** Hex SHA-256 of the secret part of the device token. */
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

  /** The purge deletes rows past their expiry. */
  @Index('device_tokens_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
