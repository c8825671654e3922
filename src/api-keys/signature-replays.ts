import { Injectable, Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { RedisService } from '../redis/redis.service';
import { ExpiringSet } from '../revocation/expiring-set';

/**
 * How much longer than its window a signature is remembered: instances'
 * clocks differ by a little (NTP keeps them within milliseconds), and an
 * instance whose clock is behind would still accept it.
 */
export const REPLAY_MARGIN_MS = 1_000;
/**
 * Signatures held in memory at most (without Redis, or while it is away):
 * each lives for its window plus a minute at most (ExpiringSet sweeps by
 * the minute), so this is some 15,000 signed requests a second at the
 * default window. Past it, signed requests get 503 rather than a replay
 * check that forgets.
 */
const MAX_LOCAL_SIGNATURES = 1_000_000;
/** At most one warning a minute about checking replays without Redis. */
const WARN_EVERY_MS = 60_000;

/**
 * "Has this signature been presented before, within its window?" Ed25519
 * signatures are deterministic, so the same key over the same request
 * string always gives the same one: a replay is the same signature again.
 *
 * With Redis, one `SET NX PX` per signed request, shared by every instance:
 * the first instance to see a signature wins, any other refuses it. Without
 * Redis (or while it is away), a set in this process: a replay is refused
 * on the instance that saw the signature, and only there (the README says
 * so). A signature first seen here while Redis was away stays refused here
 * once it is back.
 *
 * Entries are a 128-bit hash of the key id and the signature, not the
 * signature, and live until the signature's window ends.
 */
@Injectable()
export class SignatureReplays {
  private readonly log = new Logger(SignatureReplays.name);
  private readonly local = new ExpiringSet();
  private lastSweepMs = 0;
  private lastWarningMs = 0;

  constructor(private readonly redis: RedisService) {}

  /**
   * Records the signature; true the first time it is seen, false for a
   * replay. `acceptableUntilMs`: when its window ends.
   */
  async firstUse(
    keyId: string,
    signature: Buffer,
    acceptableUntilMs: number,
  ): Promise<boolean> {
    const now = Date.now();
    const entry = hash(
      'sha256',
      Buffer.concat([Buffer.from(`${keyId}\n`), signature]),
      'base64url',
    ).slice(0, 22);
    const expiresAtMs = acceptableUntilMs + REPLAY_MARGIN_MS;
    if (this.local.has(entry)) return false;
    if (this.redis.available) {
      try {
        const set = await this.redis.client.set(
          this.redis.key(`api-key-sig:${entry}`),
          '1',
          'PX',
          Math.max(1, expiresAtMs - now),
          'NX',
        );
        return set === 'OK';
      } catch {
        // Fall through to this instance's memory.
      }
    }
    if (this.redis.configured && now - this.lastWarningMs >= WARN_EVERY_MS) {
      this.lastWarningMs = now;
      this.log.warn(
        'Redis is unavailable: signed API key requests are checked for replays on this instance only',
      );
    }
    return this.rememberLocally(entry, expiresAtMs, now);
  }

  private rememberLocally(
    entry: string,
    expiresAtMs: number,
    nowMs: number,
  ): boolean {
    if (nowMs - this.lastSweepMs >= 1_000) {
      this.lastSweepMs = nowMs;
      this.local.sweep(nowMs);
    }
    if (this.local.size >= MAX_LOCAL_SIGNATURES) {
      throw new ApiException(
        ErrorCode.ServiceUnavailable,
        'Too many signed requests to check for replays; retry shortly',
        { 'Retry-After': '1' },
      );
    }
    return this.local.add(entry, expiresAtMs);
  }
}
