import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** A value sealed under a key this process does not hold, or altered since. */
export class DataDecryptionError extends Error {
  override readonly name = 'DataDecryptionError';
}

/** What a stored secret is for: each purpose has its own derived key, so one can never be read as another. */
export type DataPurpose = 'totp-seed' | 'signing-key' | (string & {});

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface MasterKey {
  /** 8 hex characters that name the master key in every sealed value, so a rotation knows which key opens it. */
  readonly id: string;
  readonly key: Buffer;
}

function masterKey(key: Buffer): MasterKey {
  const id = createHash('sha256')
    .update('data-encryption-key-id\0')
    .update(key)
    .digest('hex')
    .slice(0, 8);
  return { id, key };
}

/**
 * Encryption of secrets at rest (TOTP seeds, private signing keys) under
 * `DATA_ENCRYPTION_KEY`, so that a database dump gives none of them.
 *
 * Each purpose gets its own AES-256-GCM key, derived from the master key by
 * HKDF-SHA256 (`info` = `trading-auth/<purpose>`). A sealed value is
 * `v1.<key id>.<iv>.<ciphertext+tag>` (base64url), and its GCM additional
 * data binds it to its purpose and to a caller-chosen context (a user id, a
 * kid), so a value copied to another row does not open.
 *
 * `DATA_ENCRYPTION_KEY_PREVIOUS` keeps values sealed under the key being
 * replaced readable while `needsReseal` tells which ones to move.
 */
@Injectable()
export class DataEncryption {
  private readonly current: MasterKey;
  private readonly previous?: MasterKey;
  private readonly derived = new Map<string, Buffer>();

  constructor(config: AppConfig) {
    this.current = masterKey(config.dataEncryptionKey);
    if (config.dataEncryptionKeyPrevious !== undefined) {
      this.previous = masterKey(config.dataEncryptionKeyPrevious);
    }
  }

  /** The id sealed values carry for the current master key. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(purpose: DataPurpose, plaintext: Buffer | string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.keyFor(this.current, purpose),
      iv,
    );
    cipher.setAAD(aad(purpose, context));
    const body = Buffer.concat([
      cipher.update(plaintext),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [
      VERSION,
      this.current.id,
      iv.toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  /** The plaintext, or DataDecryptionError when no key held opens it (wrong key, altered value, other purpose or context). */
  open(purpose: DataPurpose, sealed: string, context = ''): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new DataDecryptionError(`not a sealed ${purpose} value`);
    }
    const [, id, ivText, bodyText] = parts;
    const master = [this.current, this.previous].find((k) => k?.id === id);
    if (master === undefined) {
      throw new DataDecryptionError(
        `${purpose} is sealed under data encryption key ${id}, which is neither DATA_ENCRYPTION_KEY (${this.current.id})` +
          (this.previous
            ? ` nor DATA_ENCRYPTION_KEY_PREVIOUS (${this.previous.id})`
            : '') +
          '; set the key it was sealed with',
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new DataDecryptionError(`not a sealed ${purpose} value`);
    }
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.keyFor(master, purpose),
        iv,
      );
      decipher.setAAD(aad(purpose, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new DataDecryptionError(
        `${purpose} does not open under data encryption key ${id}: altered, or sealed for another record`,
      );
    }
  }

  /** True when a sealed value is under an older master key and should be sealed again (`open` + `seal`). */
  needsReseal(sealed: string): boolean {
    return sealed.split('.', 2)[1] !== this.current.id;
  }

  /**
   * A key of `bytes` bytes for `purpose` other than encryption (an HMAC key
   * for hashing recovery codes, say), derived from the current master key.
   */
  deriveKey(purpose: DataPurpose, bytes = 32): Buffer {
    return Buffer.from(
      hkdfSync(
        'sha256',
        this.current.key,
        Buffer.alloc(0),
        `trading-auth/${purpose}`,
        bytes,
      ),
    );
  }

  private keyFor(master: MasterKey, purpose: DataPurpose): Buffer {
    const cacheKey = `${master.id}\0${purpose}`;
    let key = this.derived.get(cacheKey);
    if (key === undefined) {
      key = Buffer.from(
        hkdfSync(
          'sha256',
          master.key,
          Buffer.alloc(0),
          `trading-auth/${purpose}/aes-256-gcm`,
          32,
        ),
      );
      this.derived.set(cacheKey, key);
    }
    return key;
  }
}

function aad(purpose: string, context: string): Buffer {
  return Buffer.from(`${purpose}\0${context}`, 'utf8');
}
