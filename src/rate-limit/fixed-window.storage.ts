import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Window {
  hits: number;
  resetsAtMs: number;
}

/** How often windows that have ended are dropped. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Fixed-window counters behind the throttler's storage interface: one number
 * and one instant per key, O(1) per request whatever the limit. (The
 * throttler's default storage keeps every hit of the window in an array and
 * spreads it into Math.min on each request: linear in the limit, and it
 * overflows the stack near 120,000 hits.) A shared store for several
 * instances is the same two fields in Redis: INCR, and PEXPIRE on the first hit.
 */
@Injectable()
export class FixedWindowStorage
  implements ThrottlerStorage, OnApplicationShutdown
{
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(
    () => this.sweep(Date.now()),
    SWEEP_INTERVAL_MS,
  ).unref();

  async increment(
    key: string,
    ttlMs: number,
    limit: number,
    _blockDurationMs: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.resetsAtMs <= now) {
      window = { hits: 0, resetsAtMs: now + ttlMs };
      this.windows.set(key, window);
    }
    const secondsLeft = Math.ceil((window.resetsAtMs - now) / 1000);
    // A refused request is not counted, so retrying early does not push the reset back.
    const isBlocked = window.hits >= limit;
    if (!isBlocked) window.hits++;
    return {
      totalHits: isBlocked ? window.hits + 1 : window.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }

  sweep(now: number): void {
    for (const [key, window] of this.windows)
      if (window.resetsAtMs <= now) this.windows.delete(key);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}
