import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseIdempotencyStore } from './database-idempotency.store';
import { IdempotencyRecord } from './entities/idempotency-record.entity';
import { IdempotencyPurge } from './idempotency-purge.service';
import { IdempotencyStores } from './idempotency-stores.service';
import { IdempotentRoutesCheck } from './idempotent-routes.check';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { RequestFingerprints } from './request-fingerprints.service';

/**
 * What @Idempotent() needs wherever it is used. Global: the decorator's
 * interceptor is built in the module of the controller that uses it (an
 * orders module knows nothing of this one), and finds its stores here.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyRecord])],
  providers: [
    DatabaseIdempotencyStore,
    IdempotencyStores,
    RequestFingerprints,
    IdempotencyInterceptor,
    IdempotencyPurge,
    IdempotentRoutesCheck,
  ],
  exports: [IdempotencyStores, RequestFingerprints, IdempotencyInterceptor],
})
export class IdempotencyModule {}
