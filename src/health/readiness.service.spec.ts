import type { DataSource } from 'typeorm';
import { NO_METRICS } from '../metrics/metrics';
import type { RedisService } from '../redis/redis.service';
import type { RevocationService } from '../revocation/revocation.service';
import { Readiness } from './readiness.service';

/** A database that answers (or not) and has migrations pending (or not). */
function database(state: { answers: boolean; pending: boolean }): DataSource {
  return {
    query: () =>
      state.answers
        ? Promise.resolve([{ 1: 1 }])
        : Promise.reject(new Error('gone')),
    showMigrations: () => Promise.resolve(state.pending),
  } as unknown as DataSource;
}

describe(Readiness.name, () => {
  const redis = { configured: false, available: false } as RedisService;

  it('is not ready until the revocation state is loaded, the database answers and no migration is pending', async () => {
    const revocation = { loaded: false };
    const db = { answers: true, pending: true };
    const readiness = new Readiness(
      database(db),
      revocation as RevocationService,
      redis,
      NO_METRICS,
    );
    await expect(readiness.notReadyBecause()).resolves.toBe(
      'Revocation state is not loaded yet',
    );
    revocation.loaded = true;
    await expect(readiness.notReadyBecause()).resolves.toBe(
      'Database migrations are pending',
    );
    db.pending = false;
    await expect(readiness.notReadyBecause()).resolves.toBeUndefined();
    db.answers = false;
    await expect(readiness.notReadyBecause()).resolves.toBe(
      'Database is unavailable',
    );
    db.answers = true;
    await expect(readiness.notReadyBecause()).resolves.toBeUndefined();
  });

  it('is not ready from the first shutdown hook on', async () => {
    const readiness = new Readiness(
      database({ answers: true, pending: false }),
      { loaded: true } as RevocationService,
      redis,
      NO_METRICS,
    );
    await expect(readiness.notReadyBecause()).resolves.toBeUndefined();
    readiness.onModuleDestroy();
    await expect(readiness.notReadyBecause()).resolves.toBe(
      'This instance is shutting down',
    );
  });
});
