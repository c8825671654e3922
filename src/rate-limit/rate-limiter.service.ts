import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
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
 * answers (global across instances), else in this process. Used by the
 * global write guard and by the login and refresh checks that run once they
 * know whom a request is about.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly local = new MemoryRateLimitStore();
  private readonly store: RateLimitStore;
  private readonly sweeper = setInterval(
    () => this.local.sweep(),
    SWEEP_INTERVAL_MS,
  ).unref();

  constructor(
    redis: RedisService,
    private readonly config: AppConfig,
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

  /** Charges, reports the budget in the RateLimit headers, and refuses with 429 when it is used up. */
  async enforce(
    budget: BudgetSpec,
    ledger: RateLimitLedger | null | undefined,
    who: string,
  ): Promise<Charge> {
    const charge = await this.charge(budget);
    report(ledger, budget, charge);
    if (charge.blocked) throw rateLimited(charge.resetMs, who);
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
