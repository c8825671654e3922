import { SetMetadata } from '@nestjs/common';
import { RATE_LIMIT_KEY } from './rate-limit.constants';
import { RateLimitOptions } from './rate-limit.policy';

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
 * @RateLimit({ ip: (config) => Math.ceil(config.rateLimitIpMax / 10) })
 * @Post('exports')
 * exportAll() {}
 */
export const RateLimit = (options: RateLimitOptions) => {
  assertPositiveInteger('ip', options.ip);
  assertPositiveInteger('user', options.user);
  assertPositiveInteger('windowSeconds', options.windowSeconds);
  return SetMetadata(RATE_LIMIT_KEY, options);
};
