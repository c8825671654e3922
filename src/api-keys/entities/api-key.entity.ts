import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import type { Tier } from '../../auth/tier';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';
import { User } from '../../users/entities/user.entity';

/** The two kinds of key: a bearer secret, or an Ed25519 key pair whose private half only the client has. */
export type ApiKeyType = 'secret' | 'ed25519';

/**
 * An API key of a trading program. A `secret` key is `<id>.<secret>`:
 * requests look the row up by `id` and compare the SHA-256 of the secret in
 * constant time; the secret itself is never stored. An `ed25519` key has no
 * secret here at all: only its public key, which each request's signature
 * is verified with (a database dump gives nothing to sign with). A key counts only while its owner's
 * `session_epoch` is the one it was created under, so whatever ends all of
 * the owner's sessions (revoke-all, disable, password change) ends the key.
 */
@Entity('api_keys')
export class ApiKey {
  /** 16 random bytes, base64url (22 characters); compared byte for byte. */
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  id!: string;

  /** The owner's list (api_keys_user_id_idx). */
  @Index('api_keys_user_id_idx')
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** Deleting a user deletes their keys. */
  @ManyToOne(() => User, { onDelete: 'CASCADE', onUpdate: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'api_keys_user_fk' })
  user?: User;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'key_type', type: 'varchar', length: 16, default: 'secret' })
  type!: ApiKeyType;

  /** Hex SHA-256 of the secret part of a `secret` key; null for an `ed25519` key. */
  @Column({
    name: 'secret_hash',
    type: 'varchar',
    length: 64,
    nullable: true,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  secretHash!: string | null;

  /** The 32 raw bytes of an `ed25519` key's public key, base64url; null for a `secret` key. */
  @Column({
    name: 'public_key',
    type: 'varchar',
    length: 64,
    nullable: true,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  publicKey!: string | null;

  /** The most the key may do; the owner's current tier caps it further. */
  @Column({ name: 'permission_tier', type: 'smallint' })
  permissionTier!: Tier;

  /** JSON array of the key's scopes, in SCOPES order (auth/scope.ts). */
  @Column({ type: 'varchar', length: 64, default: '["read"]' })
  scopes!: string;

  /** JSON array of normalised addresses and CIDRs; `[]` allows any address. */
  @Column({ name: 'ip_allowlist', type: 'text' })
  ipAllowlist!: string;

  /** The owner's session_epoch at creation. */
  @Column({ name: 'session_epoch', type: 'integer' })
  sessionEpoch!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({
    name: 'expires_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  expiresAt!: number | null;

  @Column({
    name: 'revoked_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  revokedAt!: number | null;

  /** Written in the background (ApiKeyUsageRecorder), at most once a minute per key and instance. */
  @Column({
    name: 'last_used_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  lastUsedAt!: number | null;

  @Column({ name: 'last_used_ip', type: 'varchar', length: 45, nullable: true })
  lastUsedIp!: string | null;
}
