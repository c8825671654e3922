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
 * One ioredis connection with its availability tracked, logged once per
 * change of state rather than once per failed command.
 */
export class RedisConnection {
  readonly client: Redis;
  private wasReady = false;
  private warnedDown = false;
  private readonly readyListeners = new Set<() => void>();

  constructor(
    url: string,
    private readonly role: string,
    private readonly logger: Logger,
  ) {
    this.client = new Redis(url, connectionOptions());
    this.client.on('ready', () => {
      this.warnedDown = false;
      this.logger.log(`Redis ${this.role} connection ready`);
      this.wasReady = true;
      for (const listener of this.readyListeners) listener();
    });
    // Without an 'error' listener ioredis would crash the process; the
    // state change is what operators need, so it is logged once.
    this.client.on('error', (error: Error) => this.down(error.message));
    this.client.on('close', () => this.down('connection closed'));
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

  private down(reason: string): void {
    if (this.warnedDown) return;
    this.warnedDown = true;
    this.logger.warn(
      `Redis ${this.role} connection ${this.wasReady ? 'lost' : 'unavailable'} (${reason}); ` +
        'falling back to this instance and the database, retrying in the background',
    );
  }
}
