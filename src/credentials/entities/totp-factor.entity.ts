import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../database/epoch-ms.transformer';
import { User } from '../../users/entities/user.entity';

/**
 * A user's TOTP second factor, one row per user: pending (enabled_at null,
 * until pending_expires_at) from `POST /auth/mfa/totp` until the first code
 * confirms it, then on. The seed is stored sealed by DataEncryption (purpose
 * `totp-seed`, the user id as context), so a database dump gives no factor
 * and a sealed seed copied to another user's row does not open.
 */
@Entity('totp_factors')
export class TotpFactor {
  /** Looked up by user on every login of an account, and on step-up. */
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their factor. (ManyToOne: the key is the primary key, unique already.) */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'totp_factors_user_fk',
  })
  user?: User;

  /** `DataEncryption.seal('totp-seed', seed, String(userId))`. */
  @Column({ name: 'sealed_secret', type: 'varchar', length: 255 })
  sealedSecret!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** Null while the enrolment is pending. */
  @Column({
    name: 'enabled_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  enabledAt!: number | null;

  /** Until when a pending enrolment may be confirmed; null once enabled. */
  @Column({
    name: 'pending_expires_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  pendingExpiresAt!: number | null;

  /**
   * The highest 30-second time step whose code was accepted: a code of that
   * step or an earlier one is refused (replay), on every instance, by one
   * conditional UPDATE.
   */
  @Column({
    name: 'last_used_step',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  lastUsedStep!: number | null;
}
