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
 * The second step of a login whose password was right (`mfa_token`,
 * `<id>.<secret>`): single use, MFA_CHALLENGE_TTL seconds, dead after
 * MFA_CHALLENGE_MAX_FAILURES wrong codes. In the database, so any instance
 * can finish a login another one started, and the count of wrong codes is
 * one count. Only the SHA-256 of the secret is stored.
 */
@Entity('mfa_challenges')
export class MfaChallenge {
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  id!: string;

  @Index('mfa_challenges_user_id_idx')
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their pending logins. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'mfa_challenges_user_fk',
  })
  user?: User;

  @Column({
    name: 'secret_hash',
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  secretHash!: string;

  /** Wrong codes so far. */
  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** The purge deletes rows past their expiry. */
  @Index('mfa_challenges_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
