import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `bytes` bytes from the system's CSPRNG, base64url-encoded: ids, JTIs and
 * secrets. Drawn from a pool refilled 4 KB at a time, as Node's own
 * randomUUID does, and no byte is handed out twice. Each randomBytes() call
 * creates a native job object whose weak handle V8 processes at the next
 * scavenge: 3 µs a call for 16 bytes, and such handles made half of a
 * scavenge's pause under refresh load.
 */
export function randomToken(bytes: number): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return token;
}
