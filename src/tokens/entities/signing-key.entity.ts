import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import {
  BINARY_CHARSET,
  BINARY_COLLATION,
} from '../../database/binary-collation';
import { epochMs } from '../../database/epoch-ms.transformer';

/**
 * One key that signs (or signed) access tokens under ES256 or EdDSA. Its
 * state (next, current, previous, retired) follows from its instants and
 * those of the key after it (see keyStates), so every instance reads the
 * same states from the same rows without telling each other.
 *
 * `slot` is the rotation number and is unique: of several instances that
 * rotate at once, one INSERT succeeds and the others fail on the index and
 * read the winner's row, so one rotation makes one key.
 */
@Entity('signing_keys')
export class SigningKey {
  /** Random, base64url; the JWS header's `kid`. */
  @PrimaryColumn({
    type: 'varchar',
    length: 32,
    charset: BINARY_CHARSET,
    collation: BINARY_COLLATION,
  })
  kid!: string;

  /** The rotation number: 1 for the first key, then one more per rotation. */
  @Index('signing_keys_slot_uq', { unique: true })
  @Column({ type: 'integer' })
  slot!: number;

  /** `ES256` or `EdDSA`. */
  @Column({ type: 'varchar', length: 8 })
  alg!: string;

  /** The public JWK (JSON), as the JWKS serves it. */
  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk!: string;

  /** The private key (PKCS#8 DER), sealed by DataEncryption ('signing-key', the kid as context). */
  @Column({ name: 'private_key', type: 'text' })
  privateKey!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** When it appeared in the JWKS (its creation: a key is published as soon as it exists). */
  @Column({ name: 'published_at', type: 'bigint', transformer: epochMs })
  publishedAt!: number;

  /** When it starts signing: at least JWKS_MAX_AGE after publication (at once for a first key). */
  @Column({ name: 'activated_at', type: 'bigint', transformer: epochMs })
  activatedAt!: number;

  /**
   * When it leaves the JWKS: set when the key after it is created (that key's
   * activation plus ACCESS_TOKEN_TTL plus the leeway), or by a revocation.
   */
  @Column({
    name: 'retired_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  retiredAt!: number | null;

  /** Set by `keys:revoke`: out of the JWKS at once, its tokens refused. */
  @Column({
    name: 'revoked_at',
    type: 'bigint',
    nullable: true,
    transformer: epochMs,
  })
  revokedAt!: number | null;
}
