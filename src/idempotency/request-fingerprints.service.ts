import { Injectable } from '@nestjs/common';
import { createHmac, hash } from 'node:crypto';
import { DataEncryption } from '../encryption/data-encryption';

/** SHA-256 of an empty body, for a request that sent none. */
const EMPTY_BODY_DIGEST = hash('sha256', '', 'buffer');

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
  private readonly key: Buffer;

  constructor(encryption: DataEncryption) {
    this.key = encryption.deriveKey('idempotency-fingerprint');
  }

  fingerprint(method: string, url: string, bodyDigest: Buffer | null): string {
    return createHmac('sha256', this.key)
      .update(`${method}\n${url}\n`)
      .update(bodyDigest ?? EMPTY_BODY_DIGEST)
      .digest('hex');
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
