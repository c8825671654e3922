/** Where one counter stands after a request was checked against it. */
export interface WindowState {
  /** Requests counted in the current window, this one included when it passed. */
  count: number;
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** Milliseconds until the current window ends and the counter starts again. */
  resetMs: number;
  /** Over the limit: this request was refused and not counted. */
  blocked: boolean;
}

/** A counted request, with the way to give its slot back (a successful login). */
export interface Charge extends WindowState {
  /** Gives the slot back to the store that counted it; a no-op when the request was refused. */
  refund(): Promise<void>;
}

/**
 * Fixed-window counters: one number and one expiry per key, whatever the
 * limit. Implemented in process (MemoryRateLimitStore) and in Redis
 * (RedisRateLimitStore), chosen per request by FallbackRateLimitStore.
 * A refused request is not counted, so retrying early does not push the
 * reset back.
 */
export interface RateLimitStore {
  hit(key: string, limit: number, windowMs: number): Promise<Charge>;
}

export function windowState(
  count: number,
  limit: number,
  resetMs: number,
  blocked: boolean,
): WindowState {
  return {
    count,
    limit,
    remaining: Math.max(0, limit - count),
    resetMs: Math.max(0, resetMs),
    blocked,
  };
}

export const NO_REFUND = (): Promise<void> => Promise.resolve();
