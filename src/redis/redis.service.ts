import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { OutageLog, RedisConnection } from './redis-connection';

/**
 * The optional shared Redis of several instances (REDIS_URL). Unset, every
 * feature works within this one process as it did before; set, Redis is the
 * fast path and the database stays the truth. Two connections: commands, and
 * a subscriber (a connection in subscribe mode can do nothing else).
 *
 * Callers check `available` and fall back when it is false; a command can
 * still fail between that check and its reply, so they also catch.
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  private readonly logger = new Logger('Redis');
  private readonly commands?: RedisConnection;
  private readonly subscriber?: RedisConnection;
  readonly keyPrefix: string;

  constructor(config: AppConfig) {
    this.keyPrefix = config.redisKeyPrefix;
    if (config.redisUrl === undefined) return;
    const outages = new OutageLog(this.logger);
    this.commands = new RedisConnection(config.redisUrl, 'command', outages);
    this.subscriber = new RedisConnection(
      config.redisUrl,
      'subscriber',
      outages,
    );
    // Connect at construction, in the background: start-up never waits for
    // Redis, and a Redis that is down only costs a warning.
    this.commands.connect();
    this.subscriber.connect();
  }

  /** Whether REDIS_URL is set at all. */
  get configured(): boolean {
    return this.commands !== undefined;
  }

  /** Whether commands can be sent right now. */
  get available(): boolean {
    return this.commands?.ready ?? false;
  }

  /** The command connection; only when `configured`. */
  get client(): Redis {
    if (!this.commands) throw new Error('REDIS_URL is not set');
    return this.commands.client;
  }

  /** The subscriber connection; only when `configured`. */
  get subscriberClient(): Redis {
    if (!this.subscriber) throw new Error('REDIS_URL is not set');
    return this.subscriber.client;
  }

  /** Runs `listener` whenever the command connection becomes ready (again). */
  onCommandsReady(listener: () => void): void {
    this.commands?.onReady(listener);
  }

  /** Runs `listener` whenever the subscriber connection becomes ready (again). */
  onSubscriberReady(listener: () => void): void {
    this.subscriber?.onReady(listener);
  }

  /** Whether Redis answers a PING now (for /health; requests use `available`). */
  async ping(): Promise<boolean> {
    if (!this.available) return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** A key (or channel) name under REDIS_KEY_PREFIX. */
  key(name: string): string {
    return this.keyPrefix + name;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.commands?.quit(), this.subscriber?.quit()]);
  }
}
