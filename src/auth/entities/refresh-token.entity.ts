import { Column, Entity, PrimaryColumn } from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';

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

  /** Index refresh_tokens_user_id_idx: revoke-all and session listing by user. */
  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

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

  /** Index refresh_tokens_expires_at_idx: purge of dead sessions. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  @Column({
    name: 'revoked_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  revokedAt!: number | null;

  /** The user's session_epoch when the session was created; refresh refuses it once the user's moved on. */
  @Column({ name: 'session_epoch', type: 'integer', default: 0 })
  sessionEpoch!: number;
}
