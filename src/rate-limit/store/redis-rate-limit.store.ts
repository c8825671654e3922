import type Redis from 'ioredis';
import {
  Charge,
  NO_REFUND,
  RateLimitStore,
  windowState,
} from './rate-limit-store';

/**
 * One round trip, atomic: read the counter; over the limit, report without
 * counting; else INCR and give a new counter its window (PEXPIRE on the
 * first hit, or on a key that somehow lost its expiry). Returns
 * {count, milliseconds left, blocked}.
 */
const HIT_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], window)
    ttl = window
  end
  return {count + 1, ttl, 1}
end
count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {count, ttl, 0}
`;

/** Gives one slot back without going below zero; DECR keeps the key's expiry. */
const REFUND_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`;

interface RateLimitCommands {
  rateLimitHit(
    key: string,
    limit: number,
    windowMs: number,
  ): Promise<[number, number, number]>;
  rateLimitRefund(key: string): Promise<number>;
}

/**
 * Counters shared by every instance, in Redis under `<REDIS_KEY_PREFIX>rl:`.
 * They expire with their window, so Redis holds only live counters. Commands
 * reject at once while Redis is down (no offline queue); the caller
 * (FallbackRateLimitStore) catches and counts in process instead.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly commands: RateLimitCommands;

  constructor(
    client: Redis,
    private readonly keyOf: (name: string) => string,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection
    // when the script is not cached yet (a restarted Redis has none).
    client.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    client.defineCommand('rateLimitRefund', {
      numberOfKeys: 1,
      lua: REFUND_SCRIPT,
    });
    this.commands = client as unknown as RateLimitCommands;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<Charge> {
    const redisKey = this.keyOf(`rl:${key}`);
    const [count, ttl, blocked] = await this.commands.rateLimitHit(
      redisKey,
      limit,
      windowMs,
    );
    return {
      ...windowState(count, limit, ttl, blocked === 1),
      refund:
        blocked === 1
          ? NO_REFUND
          : async () => {
              await this.commands.rateLimitRefund(redisKey);
            },
    };
  }
}
