import {
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { ApiKeyEvents } from './api-key-events';
import { ApiKeyStore } from './api-key.store';
import type { VerifiedKey } from './verified-key';

/** How often pending uses are written: a key's first use shows within about this long. */
const FLUSH_MS = 1_000;
/** Later uses of a key are written at most this often (per instance). */
export const USE_WRITE_INTERVAL_MS = 60_000;
/** Uses written per transaction: bounds how long one flush holds the database. */
const FLUSH_BATCH = 500;
/** Addresses remembered per key for the new-address event. */
const MAX_ADDRESSES = 16;

type ValidKey = Extract<VerifiedKey, { valid: true }>;

/**
 * Records last_used_at / last_used_ip off the request path: a request only
 * notes the use in memory; a timer writes what is due, so a busy key costs
 * one UPDATE a minute rather than one per request. Also tells ApiKeyEvents
 * the first time a key is seen from an address.
 */
@Injectable()
export class ApiKeyUsageRecorder
  implements OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(ApiKeyUsageRecorder.name);
  private readonly pending = new Map<
    string,
    { atMs: number; ip: string | null }
  >();
  private timer?: NodeJS.Timeout;
  private warned = false;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly events: ApiKeyEvents,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The hot path: a few in-memory checks. */
  note(key: ValidKey, ip: string | undefined, nowMs: number): void {
    const usage = key.usage;
    if (ip !== undefined && !usage.addresses.has(ip)) {
      if (usage.addresses.size >= MAX_ADDRESSES) usage.addresses.clear();
      usage.addresses.add(ip);
      this.events.record({
        type: 'api_key_used_from_new_address',
        keyId: key.id,
        userId: key.userId,
        ip,
        at: nowMs,
      });
    }
    if (nowMs - usage.writtenAtMs < USE_WRITE_INTERVAL_MS) return;
    // Claimed now, so the requests until the write do not queue it again.
    usage.writtenAtMs = nowMs;
    this.pending.set(key.id, { atMs: nowMs, ip: ip ?? null });
  }

  /** Writes the pending uses; a failed write is dropped (last use is informational). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([id, use]) => ({ id, ...use }));
    this.pending.clear();
    try {
      for (let i = 0; i < batch.length; i += FLUSH_BATCH)
        await this.store.recordUses(batch.slice(i, i + FLUSH_BATCH));
      this.warned = false;
    } catch (error) {
      if (!this.warned)
        this.logger.warn(`could not record API key use: ${String(error)}`);
      this.warned = true;
    }
  }
}
