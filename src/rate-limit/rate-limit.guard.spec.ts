import { Controller, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ApiException } from '../common/api.exception';
import { loadConfig } from '../config/load-config';
import { RedisService } from '../redis/redis.service';
import { RateLimitLedger } from './rate-limit-ledger';
import { RateLimit } from './rate-limit.decorator';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter.service';

@Controller('things')
class ThingsController {
  @Post()
  create() {}

  @RateLimit({ ip: 1 })
  @Post('rare')
  rare() {}
}

const config = loadConfig({
  JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789',
  RATE_LIMIT_IP_MAX: '3',
  RATE_LIMIT_USER_MAX: '2',
});

describe(RateLimitGuard.name, () => {
  let limiter: RateLimiter;
  let guard: RateLimitGuard;
  beforeEach(() => {
    limiter = new RateLimiter(new RedisService(config), config);
    guard = new RateLimitGuard(new Reflector(), limiter, config);
  });
  afterEach(() => limiter.onApplicationShutdown());

  function request(
    handler: 'create' | 'rare',
    principal?: { id: number },
    ip = '10.0.0.1',
  ) {
    const headers: Record<string, string> = {};
    const req: {
      ip: string;
      principal?: { id: number };
      rateLimit?: RateLimitLedger | null;
    } = { ip, principal };
    const reply = {
      header: (name: string, value: string) => (headers[name] = value),
    };
    const context = new ExecutionContextHost(
      [req, reply],
      ThingsController,
      ThingsController.prototype[handler],
    );
    return { context, headers, req };
  }

  async function refusal(promise: Promise<unknown>): Promise<ApiException> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ApiException) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('charges the address and the user, and reports both in the headers', async () => {
    const { context, headers, req } = request('create', { id: 7 });
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(req.rateLimit).toBeInstanceOf(RateLimitLedger);
    expect(headers).toEqual({
      'RateLimit-Policy': '"ip";q=3;w=60, "user";q=2;w=60',
      RateLimit: '"user";r=1;t=60',
    });
  });

  it('refuses with 429 and Retry-After once the user budget is used up, from any address', async () => {
    await guard.canActivate(request('create', { id: 7 }, '10.0.0.1').context);
    await guard.canActivate(request('create', { id: 7 }, '10.0.0.2').context);
    const third = request('create', { id: 7 }, '10.0.0.3');
    const error = await refusal(guard.canActivate(third.context));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toContain('this user');
    expect(error.headers['Retry-After']).toBe('60');
    expect(third.headers.RateLimit).toBe('"user";r=0;t=60');
  });

  it('charges a request without a principal to its address only', async () => {
    const { context, headers } = request('create');
    await guard.canActivate(context);
    expect(headers['RateLimit-Policy']).toBe('"ip";q=3;w=60');
  });

  it('gives a route with @RateLimit its own budget, apart from the shared one', async () => {
    await guard.canActivate(request('rare').context);
    const error = await refusal(guard.canActivate(request('rare').context));
    expect(error.message).toContain('this client address');
    await expect(guard.canActivate(request('create').context)).resolves.toBe(
      true,
    );
  });
});
