import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';

/**
 * One Idempotency-Key of one caller on one route, while REDIS_URL is unset
 * or Redis is away: first the in-flight mark (`status` null), then the
 * answer kept for replay. The primary key is what decides a race between
 * instances: of several requests inserting the same `scope_key`, one
 * succeeds and the others read its row. Neither the caller, the key nor the
 * request body is stored in the clear: `scope_key` and `fingerprint` are
 * digests (see RequestFingerprints).
 */
@Entity('idempotency_records')
export class IdempotencyRecord {
  /** Hex SHA-256 of the caller, method, route and Idempotency-Key. */
  @PrimaryColumn({
    name: 'scope_key',
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  scopeKey!: string;

  /** Hex HMAC-SHA256 of the method, path and raw body. */
  @Column({
    type: 'varchar',
    length: 64,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  fingerprint!: string;

  /** Random per claim: only the request that holds the key completes or releases it. */
  @Column({
    name: 'claim_token',
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  claimToken!: string;

  /** The answer's status; null while the first request runs. */
  @Column({ type: 'smallint', nullable: true })
  status!: number | null;

  @Column({
    name: 'content_type',
    type: 'varchar',
    length: 255,
    nullable: true,
  })
  contentType!: string | null;

  @Column({ type: 'text', nullable: true })
  location!: string | null;

  /** The answer's body, byte for byte (at most 65,535 bytes). */
  @Column({ type: 'blob', nullable: true })
  body!: Buffer | null;

  /** In flight: when the mark lapses. Completed: when the answer is forgotten. The purge reads it (idempotency_records_expires_at_idx). */
  @Index('idempotency_records_expires_at_idx')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
