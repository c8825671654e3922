import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { randomToken } from '../common/random-token';
import { IdempotencyRecord } from './entities/idempotency-record.entity';
import { Begun, IdempotencyStore, StoredResponse } from './idempotency.store';

/** Attempts at claiming a key whose row keeps vanishing (expired, released) under us. */
const ATTEMPTS = 3;

/**
 * Keys in the `idempotency_records` table: the store without REDIS_URL, and
 * the fallback while Redis is away. An INSERT claims a key; when several
 * instances insert the same key at once, the primary key lets one through
 * and the others read its row. An expired row is deleted (only the row
 * that was read, by its claim token) and the insert tried again.
 */
@Injectable()
export class DatabaseIdempotencyStore implements IdempotencyStore {
  constructor(
    @InjectRepository(IdempotencyRecord)
    private readonly records: Repository<IdempotencyRecord>,
  ) {}

  async begin(
    scope: string,
    fingerprint: string,
    inFlightMs: number,
  ): Promise<Begun> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const now = Date.now();
      const token = randomToken(16);
      try {
        await this.records.insert({
          scopeKey: scope,
          fingerprint,
          claimToken: token,
          status: null,
          contentType: null,
          location: null,
          body: null,
          expiresAt: now + inFlightMs,
        });
        return { state: 'claimed', claim: this.claim(scope, token) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const row = await this.records.findOneBy({ scopeKey: scope });
      if (row === null) continue;
      if (row.expiresAt <= now) {
        await this.records.delete({
          scopeKey: scope,
          claimToken: row.claimToken,
        });
        continue;
      }
      if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (row.status === null) return { state: 'in_flight' };
      return {
        state: 'completed',
        response: {
          status: row.status,
          contentType: row.contentType ?? undefined,
          location: row.location ?? undefined,
          body: Buffer.from(row.body ?? []),
        },
      };
    }
    // The row came and went three times in a row: someone else is at it.
    return { state: 'in_flight' };
  }

  /** Deletes records whose answer (or in-flight mark) has lapsed. */
  async purge(now = Date.now()): Promise<number> {
    const result = await this.records.delete({
      expiresAt: LessThanOrEqual(now),
    });
    return result.affected ?? 0;
  }

  private claim(scope: string, token: string) {
    return {
      complete: async (response: StoredResponse, ttlMs: number) => {
        await this.records.update(
          { scopeKey: scope, claimToken: token },
          {
            status: response.status,
            contentType: response.contentType ?? null,
            location: response.location ?? null,
            body: response.body,
            expiresAt: Date.now() + ttlMs,
          },
        );
      },
      release: async () => {
        await this.records.delete({ scopeKey: scope, claimToken: token });
      },
    };
  }
}
