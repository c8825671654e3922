import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';

/**
 * An access token that must not be accepted before it expires on its own.
 * The table is the source of truth; each instance keeps the live rows in
 * memory (RevocationService) so a request never waits on it.
 */
@Entity('blocklisted_jtis')
export class BlocklistedJti {
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  jti!: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** The token's own exp: start-up load and purge. */
  @Index('blocklisted_jtis_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  /** When it was written (an index the first polling sync used; kept for operators' queries). */
  @Index('blocklisted_jtis_created_at_idx')
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}
