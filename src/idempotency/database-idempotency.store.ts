import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { randomToken } from '../common/random-token';
import { PreparedStatements } from '../database/prepared-statements';
import { IdempotencyRecord } from './entities/idempotency-record.entity';
import { Begun, IdempotencyStore, StoredResponse } from './idempotency.store';

/** Attempts at claiming a key whose row keeps vanishing (expired, released) under us. */
const ATTEMPTS = 3;

// Every keyed request runs CLAIM and then COMPLETE (or RELEASE): prepared
// statements, not TypeORM's query builder, which built and prepared each
// statement anew per request and took most of a keyed request's time on
// SQLite (bench scenario 9, bench/RESULTS.md).
const CLAIM =
  'INSERT INTO idempotency_records (scope_key, fingerprint, claim_token, expires_at) VALUES (?, ?, ?, ?)';
const READ =
  'SELECT fingerprint, claim_token, status, content_type, location, body, expires_at FROM idempotency_records WHERE scope_key = ?';
const COMPLETE =
  'UPDATE idempotency_records SET status = ?, content_type = ?, location = ?, body = ?, expires_at = ? WHERE scope_key = ? AND claim_token = ?';
const RELEASE =
  'DELETE FROM idempotency_records WHERE scope_key = ? AND claim_token = ?';

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
    private readonly statements: PreparedStatements,
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
        await this.statements.run(CLAIM, [
          scope,
          fingerprint,
          token,
          now + inFlightMs,
        ]);
        return { state: 'claimed', claim: this.claim(scope, token) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const row = await this.statements.one(READ, [scope]);
      if (row === undefined) continue;
      // BIGINT is a string from MySQL/MariaDB.
      if (Number(row.expires_at) <= now) {
        await this.statements.run(RELEASE, [scope, row.claim_token as string]);
        continue;
      }
      if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (row.status === null) return { state: 'in_flight' };
      return {
        state: 'completed',
        response: {
          status: Number(row.status),
          contentType: (row.content_type as string | null) ?? undefined,
          location: (row.location as string | null) ?? undefined,
          body: Buffer.from((row.body as Buffer | null) ?? []),
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
        await this.statements.run(COMPLETE, [
          response.status,
          response.contentType ?? null,
          response.location ?? null,
          response.body,
          Date.now() + ttlMs,
          scope,
          token,
        ]);
      },
      release: async () => {
        await this.statements.run(RELEASE, [scope, token]);
      },
    };
  }
}
