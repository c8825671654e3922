import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { httpRequest } from '../common/http-request';
import { RATE_LIMITED_METHODS } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';

/**
 * The global rate-limit guard: write requests go to the throttler
 * (RateLimitGuard); reads and socket messages pass at once. Answering them
 * with a plain `true`, not a promise, keeps Nest's guard chain on its
 * synchronous path for every GET (measured: the throttler's async no-op cost
 * GET /auth/me a quarter of its throughput).
 */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  constructor(private readonly rateLimit: RateLimitGuard) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { method } = httpRequest<FastifyRequest>(context);
    return RATE_LIMITED_METHODS.has(method)
      ? this.rateLimit.canActivate(context)
      : true;
  }
}
