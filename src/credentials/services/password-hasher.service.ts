import {
  Injectable,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { Metrics, NO_METRICS } from '../../metrics/metrics';
import { HashQueueFullError, PasswordHashPool } from './password-hash-pool';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * argon2id hashing off the event loop, on low-priority threads
 * (PasswordHashPool), with a bound on how many hashes run at once. On a
 * 2-core machine, hashes on every core starve the event loop and every other
 * request waits; PASSWORD_HASH_CONCURRENCY (default cores - 1) leaves a core
 * free, and a full queue (PASSWORD_HASH_QUEUE) answers 503 at once instead of
 * letting a login storm grow latency without limit.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit, OnModuleDestroy {
  private readonly pool: PasswordHashPool;
  private dummyHash = '';

  constructor(
    config: AppConfig,
    // Absent only when built by hand (unit specs).
    @Optional() private readonly metrics: Metrics = NO_METRICS,
  ) {
    const pool = new PasswordHashPool(
      config.passwordHashConcurrency,
      config.passwordHashQueue,
      metrics.enabled ? (seconds) => metrics.hashWaited(seconds) : undefined,
    );
    this.pool = pool;
    metrics.watch('hash_queue_depth', () => pool.queueDepth);
  }

  async onModuleInit(): Promise<void> {
    // Unknown users are checked against this, so they cost the same time as known ones.
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }

  hash(password: string): Promise<string> {
    return this.refusingWhenFull(this.pool.hash(password, ARGON2_OPTIONS));
  }

  /** False for a wrong password and for a stored hash that cannot be parsed. */
  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.refusingWhenFull(
      this.pool.verify(passwordHash, password).catch((error: unknown) => {
        if (error instanceof HashQueueFullError) throw error;
        return false;
      }),
    );
  }

  /** Burns the time of one verification and fails, for a user that does not exist. */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }

  private async refusingWhenFull<T>(job: Promise<T>): Promise<T> {
    try {
      return await job;
    } catch (error) {
      if (error instanceof HashQueueFullError) {
        this.metrics.hashRefused();
        throw new ApiException(
          ErrorCode.ServiceUnavailable,
          'Too many logins in progress; retry after the time in Retry-After',
          { 'Retry-After': '1' },
        );
      }
      throw error;
    }
  }
}
