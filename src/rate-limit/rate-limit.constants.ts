/** Metadata key of @RateLimit (read by RateLimitGuard). */
export const RATE_LIMIT_KEY = 'rate-limit:options';

/**
 * The two counters every write request is charged to, as named throttlers of
 * @nestjs/throttler. The order is the order they are checked in: a request
 * refused by the IP budget does not also use up the user's.
 */
export const RateLimitCounter = {
  Ip: 'ip',
  User: 'user',
} as const;
export type RateLimitCounter =
  (typeof RateLimitCounter)[keyof typeof RateLimitCounter];

/** Only these methods are counted; reads (GET, HEAD, OPTIONS) never are. */
export const RATE_LIMITED_METHODS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
]);

/** Budget name of every route without its own @RateLimit: one shared budget across all writes. */
export const SHARED_SCOPE = 'writes';
