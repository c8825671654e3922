import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';

export type Reservation = 'counted' | 'uncounted' | 'refused';

/** An instance that has not said it is alive for this long no longer counts. */
const INSTANCE_TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

/**
 * Sums the user's sockets over every instance whose heartbeat key is alive
 * (a crashed instance's sockets stop counting once its key expires) and, if
 * one more fits, counts it for this instance. One round trip, atomic.
 * KEYS[1]: the user's hash (instance id -> open sockets).
 * ARGV: instance key prefix, this instance's id, limit.
 */
const RESERVE_SCRIPT = `
local counts = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #counts, 2 do
  if counts[i] == ARGV[2] or redis.call('EXISTS', ARGV[1] .. counts[i]) == 1 then
    total = total + tonumber(counts[i + 1])
  else
    redis.call('HDEL', KEYS[1], counts[i])
  end
end
if total >= tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
return 1
`;

/** Takes one socket off this instance's count, never below zero. */
const RELEASE_SCRIPT = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
`;

/**
 * WS_MAX_SOCKETS_PER_USER over all instances, when Redis is configured: each
 * user has a hash of per-instance socket counts in Redis. Without Redis, or
 * while it is away, the per-instance bound of the SocketRegistry is all there
 * is. When Redis comes back (possibly empty, it keeps nothing on disk), this
 * instance writes its own counts again from its registry.
 */
@Injectable()
export class ClusterSocketCount
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(ClusterSocketCount.name);
  private readonly instanceId = randomBytes(8).toString('hex');
  private timer?: NodeJS.Timeout;
  /** Users whose count changed since the last heartbeat, to be set right from the registry. */
  private touched = new Set<number>();
  private localCounts: () => Map<number, number> = () => new Map();

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  /** Where to read this instance's own counts when they must be written again. */
  countsFrom(source: () => Map<number, number>): void {
    this.localCounts = source;
  }

  onApplicationBootstrap(): void {
    if (!this.redis.configured) return;
    this.redis.onCommandsReady(() => void this.republish());
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (!this.redis.available) return;
    // Going away: this instance's sockets stop counting at once.
    await this.redis.client.del(this.instanceKey()).catch(() => undefined);
  }

  /**
   * Counts one more socket of the user on this instance if the cluster-wide
   * bound allows: `counted`, or `refused`. `uncounted` when Redis cannot
   * answer: the local bound still holds, and a handshake must not fail
   * because Redis is away.
   */
  async reserve(userId: number): Promise<Reservation> {
    if (!this.redis.available) return 'uncounted';
    try {
      const reserved = await this.redis.client.eval(
        RESERVE_SCRIPT,
        1,
        this.userKey(userId),
        this.redis.key('ws:instance:'),
        this.instanceId,
        this.config.wsMaxSocketsPerUser,
      );
      this.touched.add(userId);
      return reserved === 1 ? 'counted' : 'refused';
    } catch (error) {
      this.logger.debug(`socket count unavailable: ${String(error)}`);
      return 'uncounted';
    }
  }

  /** Gives back a socket counted by `reserve`. */
  release(userId: number): void {
    if (!this.redis.available) return;
    this.touched.add(userId);
    this.redis.client
      .eval(RELEASE_SCRIPT, 1, this.userKey(userId), this.instanceId)
      .catch(() => undefined);
  }

  /**
   * Says this instance is alive, and sets the counts of recently changed
   * users to what the registry holds: a handshake whose client vanished
   * between its reservation and its connection would otherwise stay counted.
   */
  private async heartbeat(): Promise<void> {
    if (!this.redis.available) return;
    const touched = this.touched;
    this.touched = new Set();
    const counts = touched.size > 0 ? this.localCounts() : new Map();
    const pipeline = this.redis.client.pipeline();
    pipeline.set(this.instanceKey(), '1', 'PX', INSTANCE_TTL_MS);
    for (const userId of touched) {
      const count = counts.get(userId) ?? 0;
      if (count > 0)
        pipeline.hset(this.userKey(userId), this.instanceId, count);
      else pipeline.hdel(this.userKey(userId), this.instanceId);
    }
    await pipeline.exec().catch(() => undefined);
  }

  private async republish(): Promise<void> {
    try {
      const pipeline = this.redis.client.pipeline();
      pipeline.set(this.instanceKey(), '1', 'PX', INSTANCE_TTL_MS);
      for (const [userId, count] of this.localCounts())
        pipeline.hset(this.userKey(userId), this.instanceId, count);
      await pipeline.exec();
    } catch (error) {
      this.logger.debug(`socket counts not republished: ${String(error)}`);
    }
  }

  private userKey(userId: number): string {
    return this.redis.key(`ws:user:${userId}`);
  }

  private instanceKey(): string {
    return this.redis.key(`ws:instance:${this.instanceId}`);
  }
}
