import { hash } from 'node:crypto';

/**
 * SHA-256 of `value`, in hex: how refresh tokens, WebSocket tickets and API
 * key secrets are stored. One-shot `hash`, not createHash: a Hash object
 * carries a weak handle that V8 processes at the next scavenge, and under
 * refresh load such handles (with those of createHmac and randomBytes) made
 * half of each scavenge's pause. The other SHA-256 call sites (raw digests,
 * rate-limit keys) use `hash` directly for the same reason.
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}
