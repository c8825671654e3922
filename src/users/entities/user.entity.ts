import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Tier } from '../../common/tier';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  /**
   * Stored lower-cased (see normalizeUsername); unique index users_username_uq.
   * Binary collation on MySQL, so `kévin` is not `kevin` (migration 1764200000000).
   */
  @Index('users_username_uq', { unique: true })
  @Column({
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  username!: string;

  /** argon2id PHC string; the password itself is never stored. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'permission_tier', type: 'smallint' })
  permissionTier!: Tier;

  /**
   * BOOLEAN is TINYINT(1) on MySQL/MariaDB, and the migration made it so;
   * TypeORM would make an entity's `boolean` a TINYINT of the default width
   * and so reads the (1) as a change unless the entity says it.
   */
  @Column({ type: 'boolean', width: 1, default: false })
  disabled!: boolean;

  /**
   * Bumped whenever every access token of the user must stop working (tier or
   * password change, disable, revoke-all). Tokens carry the version they were
   * issued under, so revocation needs no list of tokens.
   */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  /** When token_version last changed (users_tokens_revoked_at_idx). */
  @Index('users_tokens_revoked_at_idx')
  @Column({
    name: 'tokens_revoked_at',
    type: 'bigint',
    nullable: true,
    default: null,
    transformer: epochMs,
  })
  tokensRevokedAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /**
   * Bumped whenever all of the user's sessions end (password change, disable,
   * revoke-all). A session created under an older epoch cannot be refreshed,
   * which closes the race of a login that checked the old password before the
   * change and inserted its session after it.
   */
  @Column({ name: 'session_epoch', type: 'integer', default: 0 })
  sessionEpoch!: number;
}
