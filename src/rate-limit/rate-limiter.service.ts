import { Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { Metrics, NO_METRICS } from '../metrics/metrics';
import { RedisService } from '../redis/redis.service';
import { RateLimitLedger } from './rate-limit-ledger';
import {
  RateLimitCounter,
  SHARED_SCOPE,
  SWEEP_INTERVAL_MS,
} from './rate-limit.constants';
import {
  retryAfterSeconds,
  storageKey,
  userTracker,
} from './rate-limit.policy';
import { FallbackRateLimitStore } from './store/fallback-rate-limit.store';
import { MemoryRateLimitStore } from './store/memory-rate-limit.store';
import { RedisRateLimitStore } from './store/redis-rate-limit.store';
import { Charge, RateLimitStore, WindowState } from './store/rate-limit-store';

/** What ThrottlerStorage.increment answers (the package does not export its name). */
type ThrottlerStorageRecord = Awaited<
  ReturnType<ThrottlerStorage['increment']>
>;

/** One counter a request is charged to. */
export interface BudgetSpec {
  /** Policy name in the RateLimit headers (see RateLimitCounter, LoginBudget). */
  name: string;
  /** Budgets of one scope and tracker share a counter. */
  scope: string;
  /** Who is charged: `ip:...`, `user:...`, `username:...`, `device:...`. */
  tracker: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Charges requests to budgets: in Redis when REDIS_URL is set and Redis
 * answers (global across instances), else in this process. The write limits
 * reach it as @nestjs/throttler's ThrottlerStorage (`increment`, from
 * RateLimitGuard); the checks that run once they know whom a request is
 * about call `charge`/`enforce` directly, and share the same counters.
 *
 * Those checks keep their own path because they need what ThrottlerStorage
 * cannot do: give a slot back. Login reserves a slot of each failed-login
 * budget before the password hash (so a burst cannot run more hashes than
 * the budget allows) and returns it on success; a failed API key
 * authentication does the same with the address's key-failure budget; and
 * a refresh charges its user's write budget only after the token is
 * verified, after every guard has run.
 */
@Injectable()
export class RateLimiter implements ThrottlerStorage, OnApplicationShutdown {
  private readonly local = new MemoryRateLimitStore();
  private readonly store: RateLimitStore;
  private readonly sweeper = setInterval(
    () => this.local.sweep(),
    SWEEP_INTERVAL_MS,
  ).unref();

  constructor(
    redis: RedisService,
    private readonly config: AppConfig,
    // Absent only when built by hand (unit specs).
    @Optional() private readonly metrics: Metrics = NO_METRICS,
  ) {
    this.store = new FallbackRateLimitStore(
      redis,
      redis.configured
        ? new RedisRateLimitStore(redis.client, (name) => redis.key(name))
        : undefined,
      this.local,
    );
  }

  /**
   * Counts the request against `budget` unless it is over its limit. The
   * returned refund never throws: a slot that cannot be given back (Redis
   * lost meanwhile) stays used until its window ends.
   */
  async charge(budget: BudgetSpec): Promise<Charge> {
    const key = storageKey(budget.scope, budget.name, budget.tracker);
    const charge = await this.store.hit(
      key,
      budget.limit,
      budget.windowSeconds * 1000,
    );
    let refunded = false;
    return {
      ...charge,
      // At most once per charge, whatever the caller's paths: Redis's DECR is not idempotent.
      refund: () => {
        if (refunded) return Promise.resolve();
        refunded = true;
        return charge.refund().catch(() => undefined);
      },
    };
  }

  /**
   * ThrottlerStorage: a fixed window of `ttl` ms, refused without counting
   * once `limit` requests were counted, blocked until the window ends
   * (`blockDuration` is not used: a refusal never pushes the reset back).
   * Times are in seconds as throttler's are, but not rounded, so the
   * RateLimit header breaks ties between budgets as before.
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
  ): Promise<ThrottlerStorageRecord> {
    const { count, resetMs, blocked } = await this.store.hit(key, limit, ttl);
    return {
      totalHits: count,
      timeToExpire: resetMs / 1000,
      isBlocked: blocked,
      timeToBlockExpire: blocked ? resetMs / 1000 : 0,
    };
  }

  /**
   * Charges, reports the budget in the RateLimit headers, and refuses with
   * 429 when it is used up (counted under `counted`, the budget's name
   * unless the caller's purpose names it better).
   */
  async enforce(
    budget: BudgetSpec,
    ledger: RateLimitLedger | null | undefined,
    who: string,
    counted = budget.name,
  ): Promise<Charge> {
    const charge = await this.charge(budget);
    report(ledger, budget, charge);
    if (charge.blocked) {
      this.metrics.rateLimited(counted);
      throw rateLimited(charge.resetMs, who);
    }
    return charge;
  }

  /**
   * The shared write budget of a user the guard could not know yet: the
   * owner of a refresh token, charged only once the token is verified, so
   * no one can use up another client's budget by sending its session id.
   */
  enforceUser(
    userId: number,
    ledger: RateLimitLedger | null | undefined,
  ): Promise<Charge> {
    return this.enforce(
      {
        name: RateLimitCounter.User,
        scope: SHARED_SCOPE,
        tracker: userTracker(userId),
        limit: this.config.rateLimitUserMax,
        windowSeconds: this.config.rateLimitWindowSeconds,
      },
      ledger,
      'this user',
      'refresh',
    );
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}

/** Adds a budget to the request's RateLimit headers. */
export function report(
  ledger: RateLimitLedger | null | undefined,
  budget: BudgetSpec,
  state: WindowState,
): void {
  ledger?.record({
    name: budget.name,
    limit: budget.limit,
    windowSeconds: budget.windowSeconds,
    state,
  });
}

/** 429 rate_limited with Retry-After: the time until the used-up window ends. */
export function rateLimited(resetMs: number, who: string): ApiException {
  const seconds = retryAfterSeconds(resetMs / 1000);
  return new ApiException(
    ErrorCode.RateLimited,
    `Too many requests from ${who}; retry after ${seconds} s`,
    { 'Retry-After': String(seconds) },
  );
}
