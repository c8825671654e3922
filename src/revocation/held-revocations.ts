import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { RedisService } from '../redis/redis.service';
import { parseRevocations, Revocation } from './revocation';

export interface HeldBatch {
  id: string;
  revocations: Revocation[];
}

/**
 * Revocations taken while the database could not be written, held in Redis
 * until it can: a hash of batches, one field per revoking request. Every
 * instance loads them at start-up and tries to write them to the database on
 * its sync schedule, so a batch outlives the instance that took it.
 */
@Injectable()
export class HeldRevocations {
  private readonly key: string;

  constructor(private readonly redis: RedisService) {
    this.key = redis.key('revocations:held');
  }

  /** Holds a batch; false when Redis cannot take it either. */
  async hold(revocations: readonly Revocation[]): Promise<boolean> {
    if (!this.redis.available) return false;
    try {
      await this.redis.client.hset(
        this.key,
        randomBytes(12).toString('base64url'),
        JSON.stringify(revocations),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Every held batch; empty when there are none or Redis is not there. */
  async all(): Promise<HeldBatch[]> {
    if (!this.redis.available) return [];
    let fields: Record<string, string>;
    try {
      fields = await this.redis.client.hgetall(this.key);
    } catch {
      return [];
    }
    const batches: HeldBatch[] = [];
    for (const [id, text] of Object.entries(fields)) {
      let values: unknown;
      try {
        values = JSON.parse(text);
      } catch {
        values = [];
      }
      batches.push({ id, revocations: parseRevocations(values) });
    }
    return batches;
  }

  /** Forgets batches that reached the database. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0 || !this.redis.available) return;
    await this.redis.client.hdel(this.key, ...ids);
  }
}
