import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Metrics } from '../metrics/metrics';
import { RedisService } from '../redis/redis.service';
import { parseRevocations, Revocation } from './revocation';

interface Message {
  origin: string;
  /** The publisher's clock at publish (epoch ms), for the cross-instance delay histogram. */
  sentAtMs: number;
  revocations: unknown[];
}

/**
 * The fast path between instances: every revocation is published on one
 * Redis channel and applied by every other instance on receipt. Delivery is
 * best effort (pub/sub keeps nothing for a subscriber that is away), which
 * is why the database feed stays the safety net and every re-subscription
 * triggers a catch-up read.
 */
@Injectable()
export class RevocationBus {
  private readonly logger = new Logger(RevocationBus.name);
  /** Tells this instance's own messages apart: it applied them before publishing. */
  private readonly origin = randomBytes(8).toString('hex');
  private readonly channel: string;

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: Metrics,
  ) {
    this.channel = redis.key('revocations');
  }

  /**
   * Delivers other instances' revocations to `onRevocations`, and calls
   * `onSubscribed` each time the subscription is (re)established, so the
   * caller can read what it missed while it was not listening.
   */
  listen(
    onRevocations: (revocations: Revocation[]) => void,
    onSubscribed: () => void,
  ): void {
    if (!this.redis.configured) return;
    const subscriber = this.redis.subscriberClient;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const revocations = this.decode(text);
      if (revocations.length > 0) onRevocations(revocations);
    });
    this.redis.onSubscriberReady(() => {
      subscriber.subscribe(this.channel).then(onSubscribed, () => {
        // The connection dropped again; the next 'ready' retries.
      });
    });
  }

  /** Publishes revocations; false when Redis is not there (the feed carries them then). */
  async publish(revocations: readonly Revocation[]): Promise<boolean> {
    if (!this.redis.available || revocations.length === 0) return false;
    const message: Message = {
      origin: this.origin,
      sentAtMs: Date.now(),
      revocations: [...revocations],
    };
    try {
      await this.redis.client.publish(this.channel, JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  private decode(text: string): Revocation[] {
    let message: Partial<Message>;
    try {
      message = JSON.parse(text) as Partial<Message>;
    } catch {
      this.logger.warn('dropped a revocation message that is not JSON');
      return [];
    }
    // Its own messages: this instance applied them before publishing.
    if (message.origin === this.origin) return [];
    const revocations = parseRevocations(message.revocations);
    // Measured across two clocks: a skew shows up here (clamped at zero), so
    // run NTP on the instances. Messages from instances without the field
    // (a rolling upgrade) are applied, not timed.
    const sentAtMs = message.sentAtMs;
    if (
      revocations.length > 0 &&
      typeof sentAtMs === 'number' &&
      Number.isFinite(sentAtMs)
    )
      this.metrics.revocationDelay(Math.max(0, Date.now() - sentAtMs) / 1000);
    return revocations;
  }
}
