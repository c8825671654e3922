/** Metadata key of @RateLimit (read by RateLimitGuard). */
export const RATE_LIMIT_KEY = 'rate-limit:options';

/**
 * The two counters every write request is charged to, also their policy
 * names in the RateLimit headers. The order is the order they are checked
 * in: a request refused by the IP budget does not also use up the user's.
 */
export const RateLimitCounter = {
  Ip: 'ip',
  User: 'user',
} as const;
export type RateLimitCounter =
  (typeof RateLimitCounter)[keyof typeof RateLimitCounter];

/** Policy names of the login budgets (failed attempts only: a success gives its slot back). */
export const LoginBudget = {
  /** Failed logins from one client address. */
  Address: 'login-ip',
  /** Failed logins for one username, from anywhere without a trusted device token. */
  Account: 'login-user',
  /** Failed logins sent with one trusted device token. */
  Device: 'device',
} as const;
export type LoginBudget = (typeof LoginBudget)[keyof typeof LoginBudget];

/**
 * Policy name and budget name of failed API key authentications (unknown,
 * revoked or expired keys, wrong secrets, keys used from outside their
 * allowlist) from one client address.
 */
export const API_KEY_FAILURE_BUDGET = 'api-key-ip';
export const API_KEY_FAILURE_SCOPE = 'api-key-failures';

/** Only these methods are counted; reads (GET, HEAD, OPTIONS) never are. */
export const RATE_LIMITED_METHODS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
]);

/** Budget name of every route without its own @RateLimit: one shared budget across all writes. */
export const SHARED_SCOPE = 'writes';

/** Budget name of the failed-login counters. */
export const LOGIN_SCOPE = 'login-failures';

/** How often in-process windows that have ended are dropped. */
export const SWEEP_INTERVAL_MS = 30_000;
