import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import { Metrics, RevocationOrigin } from '../metrics/metrics';
import { EventCursor } from './event-cursor';
import { HeldRevocations } from './held-revocations';
import { Revocation } from './revocation';
import { RevocationBus } from './revocation.bus';
import { RevocationState } from './revocation-state';
import { RevocationStore } from './revocation.store';

const FEED_PAGE = 10_000;
const HELD_FLUSH_MS = 1_000;

/**
 * Keeps this instance's RevocationState in step with every other instance:
 * loads it at start-up, applies what arrives over Redis at once, reads the
 * database feed every REVOCATION_SYNC_MS as the safety net (and right after
 * every re-subscription, for what pub/sub dropped), writes revocations held
 * in Redis during a database outage once the database answers, and purges
 * what has expired.
 */
@Injectable()
export class RevocationSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RevocationSync.name);
  private cursor = new EventCursor(0);
  private timers: NodeJS.Timeout[] = [];
  private polling?: Promise<void>;
  private pollAgain = false;
  private flushing = false;

  constructor(
    private readonly state: RevocationState,
    private readonly store: RevocationStore,
    private readonly bus: RevocationBus,
    private readonly held: HeldRevocations,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const sizes = () => this.state.sizes();
    metrics.watch('blocklisted_jtis', () => sizes().jtis);
    metrics.watch('revoked_sessions', () => sizes().sessions);
    metrics.watch('revoked_users', () => sizes().users);
  }

  async onApplicationBootstrap(): Promise<void> {
    // The CLI only writes revocations (database, then Redis); it answers no
    // request, so it needs neither the state nor the sync.
    if (this.config.role === 'cli') return;
    const started = Date.now();
    // The cursor is placed before loading, so a revocation written while the
    // load runs is read by the first poll rather than missed.
    this.cursor = new EventCursor(await this.store.lastId());
    for await (const page of this.store.loadLive(started))
      this.applyAll(page, 'database', started);
    this.applyAll(
      (await this.held.all()).flatMap((b) => b.revocations),
      'held',
    );
    this.state.markLoaded();
    const sizes = this.state.sizes();
    this.logger.log(
      `revocation state loaded in ${Date.now() - started} ms: ${sizes.jtis} blocklisted JTIs, ` +
        `${sizes.sessions} revoked sessions, ${sizes.users} users with revoked tokens`,
    );
    this.bus.listen(
      (revocations) => this.applyAll(revocations, 'pubsub'),
      () => void this.catchUp(),
    );
    this.every(this.config.revocationSyncMs, () => this.poll());
    // At least once a second whatever the poll period: a revocation held
    // during an outage should reach the database soon after it is back.
    this.every(Math.min(this.config.revocationSyncMs, HELD_FLUSH_MS), () =>
      this.flushHeld(),
    );
    this.every(this.config.blocklistPurgeSeconds * 1000, () => this.purge());
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Reads the feed after the cursor; concurrent calls share one read and one follow-up. */
  poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = this.readFeed().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Writes held revocations to the database, and forgets those it could write. */
  async flushHeld(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const batches = await this.held.all();
      const written: string[] = [];
      for (const batch of batches) {
        this.applyAll(batch.revocations, 'held');
        try {
          await this.store.record(batch.revocations);
          written.push(batch.id);
        } catch {
          break; // Still unavailable: try again on the next round.
        }
      }
      if (written.length > 0) {
        await this.held.release(written);
        this.logger.log(
          `wrote ${written.length} revocation batch(es) held in Redis during a database outage`,
        );
      }
    } finally {
      this.flushing = false;
    }
  }

  async purge(): Promise<void> {
    const now = Date.now();
    await this.store.purge(now);
    this.state.sweep(now);
  }

  private async readFeed(): Promise<void> {
    do {
      this.pollAgain = false;
      for (let after = this.cursor.floor; ;) {
        const rows = await this.store.readAfter(after, FEED_PAGE);
        this.applyAll(
          rows.map((row) => row.revocation),
          'database',
        );
        this.cursor.observe(
          rows.map((row) => row.id),
          performance.now(),
        );
        if (rows.length < FEED_PAGE) break;
        after = rows[rows.length - 1].id;
      }
    } while (this.pollAgain);
  }

  private async catchUp(): Promise<void> {
    try {
      await Promise.all([this.poll(), this.flushHeld()]);
    } catch (error) {
      this.logger.warn(`revocation catch-up failed: ${String(error)}`);
    }
  }

  private applyAll(
    revocations: readonly Revocation[],
    origin: RevocationOrigin,
    nowMs = Date.now(),
  ): void {
    let applied = 0;
    for (const revocation of revocations)
      if (this.state.apply(revocation, nowMs)) applied++;
    this.metrics.revocationsApplied(origin, applied);
  }

  private every(ms: number, task: () => Promise<void>): void {
    let warned = false;
    const timer = setInterval(() => {
      task().then(
        () => (warned = false),
        (error: unknown) => {
          // Once per outage, not once per tick.
          if (warned) return;
          warned = true;
          this.logger.warn(
            `background revocation task failed: ${String(error)}`,
          );
        },
      );
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
