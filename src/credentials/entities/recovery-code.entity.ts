import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';
import { User } from '../../users/entities/user.entity';

/**
 * One recovery code of a user's second factor. Only the SHA-256 of the code
 * is stored: a code is 80 random bits, too many to guess from a hash. Used
 * codes keep their row (used_at set) until the next set replaces them all.
 */
@Entity('recovery_codes')
@Index('recovery_codes_user_hash_idx', ['userId', 'codeHash'])
export class RecoveryCode {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  /** A code is looked up by (user, hash); a new set deletes the user's rows. */
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their codes. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'recovery_codes_user_fk',
  })
  user?: User;

  /** Hex SHA-256 of the normalised code (lower case, no hyphens). */
  @Column({
    name: 'code_hash',
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  codeHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({
    name: 'used_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  usedAt!: number | null;
}
