import type { VerifiedKey } from './verified-key';

/** Keys held at most; beyond it the least recently verified go first. */
const MAX_ENTRIES = 50_000;
/**
 * How long a verdict is trusted before the key is read again. Revocations
 * reach the memo at once through RevocationState; this bounds anything that
 * does not announce itself (and how long a revocation must be remembered:
 * API_KEY_REVOCATION_HOLD_MS).
 */
export const MEMO_MAX_AGE_MS = 5 * 60_000;

/** Verified keys by id, so a request with a known key needs no database read. */
export class ApiKeyMemo {
  private readonly entries = new Map<string, VerifiedKey>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** The memoised verdict, if still fresh at `nowMs`. */
  get(id: string, nowMs: number): VerifiedKey | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (nowMs - entry.verifiedAtMs >= MEMO_MAX_AGE_MS) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(entry: VerifiedKey): void {
    // Re-inserted at the end: Map order is the eviction order.
    this.entries.delete(entry.id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(entry.id, entry);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
