import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../database/epoch-ms.transformer';
import type { RevocationKind } from '../revocation';

/**
 * The append-only feed of revocations every instance reads. The database
 * assigns `id`, and instances resume after the last id they saw (see
 * EventCursor), so no instance's clock decides what another one reads. A row
 * lives until the last access token it concerns has expired, which is what a
 * restarting instance needs to load.
 */
@Entity('revocation_events')
export class RevocationEventRow {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  kind!: RevocationKind;

  /**
   * The JTI, session id or user id the revocation names; compared byte for
   * byte (ascii_bin on MySQL/MariaDB, migrations 1764400000000 and 1764701000000).
   */
  @Column({
    type: 'varchar',
    length: 64,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  subject!: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** For kind 'user': tokens below this version no longer count. */
  @Column({
    name: 'token_version',
    type: 'integer',
    nullable: true,
    default: null,
  })
  tokenVersion!: number | null;

  /** Start-up load and purge (revocation_events_expires_at_idx). */
  @Index('revocation_events_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}
