import { Controller, Get, Post } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test, TestingModule } from '@nestjs/testing';
import {
  getOptionsToken,
  getStorageToken,
  SkipThrottle,
  ThrottlerGuard,
} from '@nestjs/throttler';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { RedisModule } from '../redis/redis.module';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitModule } from './rate-limit.module';
import { RateLimiter } from './rate-limiter.service';
import { WriteRateLimitGuard } from './write-rate-limit.guard';

@Controller('things')
class ThingsController {
  @Post()
  create() {}

  @Get()
  list() {}

  @SkipThrottle({ user: true })
  @Post('anonymous')
  anonymous() {}
}

const config = loadConfig({
  JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789',
  RATE_LIMIT_IP_MAX: '3',
  RATE_LIMIT_USER_MAX: '2',
  RATE_LIMIT_WINDOW_SECONDS: '30',
});

/** The write limits as Nest wires them: @nestjs/throttler's module, storage and guard. */
describe(RateLimitModule.name, () => {
  let moduleRef: TestingModule;
  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), RedisModule, RateLimitModule],
    }).compile();
    await moduleRef.init();
  });
  afterEach(() => moduleRef.close());

  function request(handler: keyof ThingsController, method: string) {
    const headers: Record<string, string> = {};
    const req = { method, ip: '10.0.0.1', principal: { id: 7 } };
    const reply = {
      header: (name: string, value: string) => (headers[name] = value),
    };
    const context = new ExecutionContextHost(
      [req, reply],
      ThingsController,
      ThingsController.prototype[handler],
    );
    return { context, headers };
  }

  it('configures named throttlers from AppConfig, counted by RateLimiter, without throttler headers', () => {
    expect(moduleRef.get(getOptionsToken())).toMatchObject({
      throttlers: [
        { name: 'ip', limit: 3, ttl: 30_000 },
        { name: 'user', limit: 2, ttl: 30_000 },
      ],
      setHeaders: false,
    });
    expect(moduleRef.get(getStorageToken())).toBe(moduleRef.get(RateLimiter));
    expect(moduleRef.get(RateLimitGuard)).toBeInstanceOf(ThrottlerGuard);
  });

  it('charges a write through ThrottlerStorage.increment, address then user', async () => {
    const increment = jest.spyOn(moduleRef.get(RateLimiter), 'increment');
    const { context, headers } = request('create', 'POST');
    await expect(
      moduleRef.get(WriteRateLimitGuard).canActivate(context),
    ).resolves.toBe(true);
    expect(increment.mock.calls.map((call) => call.slice(1))).toEqual([
      [30_000, 3, 30_000, 'ip'],
      [30_000, 2, 30_000, 'user'],
    ]);
    expect(headers).toEqual({
      'RateLimit-Policy': '"ip";q=3;w=30, "user";q=2;w=30',
      RateLimit: '"user";r=1;t=30',
    });
  });

  it('answers a read with a plain true, never reaching throttler', () => {
    const increment = jest.spyOn(moduleRef.get(RateLimiter), 'increment');
    const { context } = request('list', 'GET');
    expect(moduleRef.get(WriteRateLimitGuard).canActivate(context)).toBe(true);
    expect(increment).not.toHaveBeenCalled();
  });

  it("honours throttler's @SkipThrottle per named throttler", async () => {
    const { context, headers } = request('anonymous', 'POST');
    await moduleRef.get(WriteRateLimitGuard).canActivate(context);
    expect(headers['RateLimit-Policy']).toBe('"ip";q=3;w=30');
  });
});
