import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

/** How long to wait between reconnection attempts: grows to 2 s and stays there, forever. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 200, 2_000);
}

/**
 * Options shared by every connection: commands fail at once while Redis is
 * away (no offline queue) so callers fall back instead of waiting, and the
 * client keeps reconnecting in the background.
 */
export function connectionOptions(): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: reconnectDelayMs,
    // A Redis that answers slowly must not hold a login or a logout.
    commandTimeout: 1_000,
  };
}

/**
 * Logs Redis going away and coming back once per outage for all the
 * connections of a process, rather than once per connection, retry or
 * failed command.
 */
export class OutageLog {
  private readonly down = new Set<string>();
  private warned = false;
  private wasUp = false;

  constructor(private readonly logger: Logger) {}

  up(role: string): void {
    this.down.delete(role);
    if (this.down.size > 0) return;
    if (this.warned)
      this.logger.log('Redis is back: shared limits and revocations resume');
    else if (!this.wasUp) this.logger.log('Redis connected');
    this.warned = false;
    this.wasUp = true;
  }

  lost(role: string, reason: string): void {
    this.down.add(role);
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(
      `Redis ${this.wasUp ? 'lost' : 'unavailable'} (${reason}): this instance falls back to ` +
        'its own rate-limit counters and the database revocation feed, and keeps reconnecting',
    );
  }
}

/** One ioredis connection with its availability tracked. */
export class RedisConnection {
  readonly client: Redis;
  private readonly readyListeners = new Set<() => void>();

  constructor(
    url: string,
    private readonly role: string,
    private readonly outages: OutageLog,
  ) {
    this.client = new Redis(url, connectionOptions());
    this.client.on('ready', () => {
      this.outages.up(this.role);
      for (const listener of this.readyListeners) listener();
    });
    // Without an 'error' listener ioredis would crash the process.
    this.client.on('error', (error: Error) =>
      this.outages.lost(this.role, error.message),
    );
    this.client.on('close', () =>
      this.outages.lost(this.role, 'connection closed'),
    );
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Called on every (re)connection, so subscriptions and catch-ups can be
   * redone; at once too when the connection is already up (it connects in
   * the background from construction, so it may have been quicker than the
   * caller).
   */
  onReady(listener: () => void): void {
    this.readyListeners.add(listener);
    if (this.ready) listener();
  }

  connect(): void {
    this.client.connect().catch(() => {
      // Reported through the 'error' event; retryStrategy keeps trying.
    });
  }

  async quit(): Promise<void> {
    this.readyListeners.clear();
    this.client.removeAllListeners('close');
    try {
      if (this.ready) await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}
