import {
  ExecutionContext,
  Inject,
  Injectable,
  Optional,
  Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { Metrics, NO_METRICS } from '../metrics/metrics';
import { RateLimitLedger, WithRateLimitLedger } from './rate-limit-ledger';
import {
  RATE_LIMIT_KEY,
  RateLimitCounter,
  SHARED_SCOPE,
} from './rate-limit.constants';
import {
  budgetFor,
  RateLimitedRequest,
  RateLimitOptions,
  RouteRateLimit,
  storageKey,
  throttlerOptions,
  trackerOf,
} from './rate-limit.policy';
import { rateLimited } from './rate-limiter.service';
import { windowState } from './store/rate-limit-store';

const WHO: Record<RateLimitCounter, string> = {
  ip: 'this client address',
  user: 'this user',
};

type GuardedRequest = FastifyRequest & RateLimitedRequest & WithRateLimitLedger;

/**
 * @nestjs/throttler's ThrottlerGuard with this contract's trackers, budgets
 * and headers. It charges a write request (POST, PUT, PATCH, DELETE;
 * WriteRateLimitGuard hands it only those) to the named throttlers `ip` and
 * `user` (ThrottlerModule.forRootAsync in RateLimitModule, from AppConfig),
 * in that order, and refuses it with 429 rate_limited and `Retry-After` once
 * either is over its limit: a request refused by its address is not also
 * counted against its user, because ThrottlerGuard stops at the first throw.
 * The counters are RateLimiter's (Redis when it answers, else this process),
 * reached through throttler's ThrottlerStorage.
 *
 * What is ours, and why:
 * - handleRequest: the tracker and the counter depend on the route's
 *   @RateLimit (its own budget and scope, its userKey), and a request with
 *   no user to charge skips the `user` throttler (throttler's getTracker
 *   must return a string). It reports to the request's RateLimitLedger
 *   instead of throttler's `X-RateLimit-*-<name>` and `Retry-After-<name>`
 *   headers (`setHeaders: false`): the IETF `RateLimit` fields need every
 *   budget of the request in one header, and login and refresh add theirs
 *   after this guard.
 * - the refusal is ApiException's `{error, code}` 429, not ThrottlerException.
 * - @RateLimit, not throttler's @Throttle: a handler's options replace its
 *   controller's as a whole and a limit may be read from AppConfig. Throttler's
 *   @SkipThrottle({ ip: true }) works.
 *
 * Registered after the global JwtAuthGuard (RateLimitModule is imported after
 * AuthModule), so `request.principal` is set on authenticated routes. Public
 * routes (login, refresh) are charged to their address here, and to their
 * user by their own checks once the user is known, through RateLimiter.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** @RateLimit per controller and handler: metadata does not change, so it is read once. */
  private readonly routes = new WeakMap<
    Type,
    Map<unknown, RouteRateLimit | null>
  >();

  constructor(
    // Explicit: ThrottlerGuard's own @InjectThrottlerOptions() on its first
    // parameter is inherited and would otherwise be injected here.
    @Inject(Reflector) reflector: Reflector,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    private readonly config: AppConfig,
    // Absent only when the guard is built by hand (unit tests): the same options then.
    @Optional() @InjectThrottlerOptions() options?: ThrottlerModuleOptions,
    @Optional() private readonly metrics: Metrics = NO_METRICS,
  ) {
    super(options ?? throttlerOptions(config, storage), storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    http.getRequest<GuardedRequest>().rateLimit = new RateLimitLedger(
      http.getResponse<FastifyReply>(),
    );
    // Nest calls onModuleInit; a guard built by hand has not had it yet.
    if (this.throttlers === undefined) await this.onModuleInit();
    return super.canActivate(context);
  }

  /**
   * One named throttler (`ip` or `user`) on one request. `limit` and `ttl`
   * are the throttler's shared budget; a route's @RateLimit replaces them
   * with its own, counted apart.
   */
  protected override async handleRequest({
    context,
    limit,
    ttl,
    throttler,
  }: ThrottlerRequest): Promise<boolean> {
    const counter = throttler.name as RateLimitCounter;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const route = this.routeRateLimit(context);
    const tracker = trackerOf(counter, request, route?.options.userKey);
    if (tracker === undefined) return true;
    const budget = budgetFor(
      counter,
      { limit, ttlMs: ttl, scope: SHARED_SCOPE },
      route,
      this.config,
    );
    const record = await this.storageService.increment(
      storageKey(budget.scope, counter, tracker),
      budget.ttlMs,
      budget.limit,
      budget.ttlMs,
      counter,
    );
    const resetMs = record.timeToExpire * 1000;
    request.rateLimit?.record({
      name: counter,
      limit: budget.limit,
      windowSeconds: budget.ttlMs / 1000,
      state: windowState(
        record.totalHits,
        budget.limit,
        resetMs,
        record.isBlocked,
      ),
    });
    if (record.isBlocked) {
      this.metrics.rateLimited(counter);
      throw rateLimited(record.timeToBlockExpire * 1000, WHO[counter]);
    }
    return true;
  }

  /** The @RateLimit of the handler, else of its controller, with the budget name that goes with it. */
  private routeRateLimit(
    context: ExecutionContext,
  ): RouteRateLimit | undefined {
    const controller = context.getClass();
    const handler = context.getHandler();
    let handlers = this.routes.get(controller);
    if (handlers === undefined)
      this.routes.set(controller, (handlers = new Map()));
    let route = handlers.get(handler);
    if (route === undefined)
      handlers.set(handler, (route = this.readRateLimit(controller, handler)));
    return route ?? undefined;
  }

  private readRateLimit(
    controller: Type,
    handler: ReturnType<ExecutionContext['getHandler']>,
  ): RouteRateLimit | null {
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
      : null;
  }
}
