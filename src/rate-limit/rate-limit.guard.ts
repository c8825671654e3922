import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { WithPrincipal } from '../auth/principal-of';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import {
  RATE_LIMIT_KEY,
  RateLimitCounter,
  SHARED_SCOPE,
} from './rate-limit.constants';
import {
  budgetFor,
  RateLimitOptions,
  retryAfterSeconds,
  RouteRateLimit,
  storageKey,
  trackerOf,
} from './rate-limit.policy';

/**
 * Charges a write request (POST, PUT, PATCH, DELETE; WriteRateLimitGuard
 * hands it only those) to its client address and to its user, and refuses it
 * with 429 rate_limited and `Retry-After` once either is over its limit.
 *
 * WriteRateLimitGuard is registered after the global JwtAuthGuard
 * (RateLimitModule is imported after AuthModule), so `request.principal` is
 * set on authenticated routes; on public routes it runs before any route
 * guard, so a login is counted before its password is checked. Counting stays
 * behind @nestjs/throttler's ThrottlerStorage.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(
    props: ThrottlerRequest,
  ): Promise<boolean> {
    const { context } = props;
    const counter = props.throttler.name as RateLimitCounter;
    const route = this.routeRateLimit(context);
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & WithPrincipal>();
    const tracker = trackerOf(counter, request, route?.options.userKey);
    if (tracker === undefined) return true;
    const budget = budgetFor(
      counter,
      { limit: props.limit, ttlMs: props.ttl, scope: SHARED_SCOPE },
      route,
      this.config,
    );
    const key = storageKey(budget.scope, counter, tracker);
    return super.handleRequest({
      ...props,
      limit: budget.limit,
      ttl: budget.ttlMs,
      // A sliding window without a penalty block: Retry-After is then when the
      // oldest counted request leaves the window, and refused requests do not count.
      blockDuration: 0,
      getTracker: () => tracker,
      generateKey: () => key,
    });
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = retryAfterSeconds(detail.timeToBlockExpire);
    const which = detail.tracker.startsWith('ip:')
      ? 'this client address'
      : 'this user';
    throw new ApiException(
      ErrorCode.RateLimited,
      `Too many write requests from ${which}; retry after ${seconds} s`,
      { 'Retry-After': String(seconds) },
    );
  }

  /** The @RateLimit of the handler, else of its controller, with the budget name that goes with it. */
  private routeRateLimit(
    context: ExecutionContext,
  ): RouteRateLimit | undefined {
    const handler = context.getHandler();
    const controller = context.getClass();
    const onHandler = this.reflector.get<RateLimitOptions | undefined>(
      RATE_LIMIT_KEY,
      handler,
    );
    if (onHandler)
      return {
        options: onHandler,
        scope: `${controller.name}.${handler.name}`,
      };
    const onController = this.reflector.get<RateLimitOptions | undefined>(
      RATE_LIMIT_KEY,
      controller,
    );
    return onController
      ? { options: onController, scope: controller.name }
      : undefined;
  }
}
