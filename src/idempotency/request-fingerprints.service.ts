import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { DataEncryption } from '../encryption/data-encryption';

/** SHA-256 of an empty body, for a request that sent none. */
const EMPTY_BODY_DIGEST = hash('sha256', '', 'buffer');

/** SHA-256's block size: the length HMAC pads its key to. */
const BLOCK_BYTES = 64;

/**
 * The two digests an Idempotency-Key is stored under.
 *
 * The fingerprint says which request a key was first used for: the method,
 * the path (with its query) and the raw body. It is an HMAC under a key of
 * its own derived from DATA_ENCRYPTION_KEY, not a bare SHA-256, because a
 * body may hold a password (`POST /admin/users`): an unkeyed digest of a
 * body whose other fields are guessable could be brute-forced from a copy
 * of the table. After a change of DATA_ENCRYPTION_KEY, a retry of a request
 * made before it no longer matches and gets 422 (never a second run).
 */
@Injectable()
export class RequestFingerprints {
  /** The key XOR ipad, then XOR opad (RFC 2104), computed once. */
  private readonly innerPad: Buffer;
  private readonly outerPad: Buffer;

  constructor(encryption: DataEncryption) {
    const derived = encryption.deriveKey('idempotency-fingerprint');
    // RFC 2104: a key longer than a block is hashed first (the derived key is 32 bytes).
    const key =
      derived.length > BLOCK_BYTES
        ? hash('sha256', derived, 'buffer')
        : derived;
    this.innerPad = Buffer.alloc(BLOCK_BYTES, 0x36);
    this.outerPad = Buffer.alloc(BLOCK_BYTES, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.innerPad[i] ^= key[i];
      this.outerPad[i] ^= key[i];
    }
  }

  /**
   * HMAC-SHA256 of `method\nurl\n` and the body's digest, as createHmac
   * computes it, from two one-shot hashes: an Hmac object carries a weak
   * handle that V8 processes at the next scavenge (see src/common/sha256.ts),
   * and this runs on every keyed request.
   */
  fingerprint(method: string, url: string, bodyDigest: Buffer | null): string {
    const inner = hash(
      'sha256',
      Buffer.concat([
        this.innerPad,
        Buffer.from(`${method}\n${url}\n`),
        bodyDigest ?? EMPTY_BODY_DIGEST,
      ]),
      'buffer',
    );
    return hash('sha256', Buffer.concat([this.outerPad, inner]), 'hex');
  }

  /**
   * Where a key lives: its caller (a user, or an API key, which is a caller
   * of its own), the method, the route template and the key. The same key
   * from two callers, or on two routes, is two keys.
   */
  scope(caller: string, method: string, route: string, key: string): string {
    // The key comes last and nothing before it holds a newline: unambiguous.
    return hash('sha256', `${caller}\n${method}\n${route}\n${key}`, 'hex');
  }
}
