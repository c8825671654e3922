import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
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
  trackerOf,
} from './rate-limit.policy';
import { RateLimiter } from './rate-limiter.service';

const WHO: Record<RateLimitCounter, string> = {
  ip: 'this client address',
  user: 'this user',
};

/**
 * Charges a write request (POST, PUT, PATCH, DELETE; WriteRateLimitGuard
 * hands it only those) to its client address and to its user, and refuses it
 * with 429 rate_limited and `Retry-After` once either is over its limit.
 * Every such response carries the RateLimit headers.
 *
 * WriteRateLimitGuard is registered after the global JwtAuthGuard
 * (RateLimitModule is imported after AuthModule), so `request.principal` is
 * set on authenticated routes. Public routes (login, refresh) are charged
 * to their address here, and to their user by their own checks once the
 * user is known (a refresh token verified, a login's failure budget).
 *
 * Not @nestjs/throttler's ThrottlerGuard: it checks one counter at a time
 * through a storage that can only increment, while this needs every budget
 * of a request in one header, slots given back after a successful login,
 * and charges made after the guard.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<
      FastifyRequest & RateLimitedRequest & WithRateLimitLedger
    >();
    const ledger = new RateLimitLedger(http.getResponse<FastifyReply>());
    request.rateLimit = ledger;
    const route = this.routeRateLimit(context);
    const ttlMs = this.config.rateLimitWindowSeconds * 1000;
    const shared: Record<RateLimitCounter, number> = {
      ip: this.config.rateLimitIpMax,
      user: this.config.rateLimitUserMax,
    };
    for (const counter of [RateLimitCounter.Ip, RateLimitCounter.User]) {
      const tracker = trackerOf(counter, request, route?.options.userKey);
      if (tracker === undefined) continue;
      const budget = budgetFor(
        counter,
        { limit: shared[counter], ttlMs, scope: SHARED_SCOPE },
        route,
        this.config,
      );
      await this.limiter.enforce(
        {
          name: counter,
          scope: budget.scope,
          tracker,
          limit: budget.limit,
          windowSeconds: budget.ttlMs / 1000,
        },
        ledger,
        WHO[counter],
      );
    }
    return true;
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
