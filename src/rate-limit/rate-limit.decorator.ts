import { SetMetadata } from '@nestjs/common';
import { RATE_LIMIT_KEY } from './rate-limit.constants';
import {
  RateLimitOptions,
  refreshSession,
  submittedUsername,
} from './rate-limit.policy';

export type { RateLimitOptions } from './rate-limit.policy';

function assertPositiveInteger(name: string, value: unknown): void {
  if (
    value !== undefined &&
    typeof value !== 'function' &&
    !(Number.isInteger(value) && (value as number) >= 1)
  ) {
    throw new Error(
      `@RateLimit: ${name} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Gives a controller or route its own write-request budget, instead of the
 * shared RATE_LIMIT_IP_MAX / RATE_LIMIT_USER_MAX per RATE_LIMIT_WINDOW_SECONDS.
 * What it does not set keeps the default; a limit may be read from the
 * configuration. The route then counts separately from all other writes. The
 * handler's decorator wins over its controller's. Reads are never counted.
 *
 * `userKey` names the user of a request without a principal (a public route)
 * from its JSON body; alone, it keeps the shared budget.
 *
 * @example
 * @RateLimit({ ip: 20, user: 5, windowSeconds: 60 })
 * @Post('withdrawals')
 * withdraw() {}
 *
 * @example
 * @Public()
 * @RateLimit({ ip: (config) => config.rateLimitLoginMax, userKey: submittedUsername })
 * @Post('login')
 * login() {}
 */
export const RateLimit = (options: RateLimitOptions) => {
  assertPositiveInteger('ip', options.ip);
  assertPositiveInteger('user', options.user);
  assertPositiveInteger('windowSeconds', options.windowSeconds);
  return SetMetadata(RATE_LIMIT_KEY, options);
};

/**
 * Login: RATE_LIMIT_LOGIN_MAX attempts per window per client address and per
 * submitted username, so guessing one account's password from many addresses
 * is limited too. Checked before the credentials, so failures count and a
 * refused attempt costs no password hash.
 */
export const LOGIN_RATE_LIMIT: RateLimitOptions = {
  ip: (config) => config.rateLimitLoginMax,
  user: (config) => config.rateLimitLoginMax,
  userKey: submittedUsername,
};

/** Refresh: the shared budget, with the session the refresh token names standing in for the user. */
export const REFRESH_RATE_LIMIT: RateLimitOptions = { userKey: refreshSession };
