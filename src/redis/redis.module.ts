import { Global, Module } from '@nestjs/common';
import { RedisService } from './redis.service';

/** The optional shared Redis (REDIS_URL), injectable everywhere as RedisService. */
@Global()
@Module({
  providers: [RedisService],
  exports: [RedisService],
})
export class RedisModule {}
