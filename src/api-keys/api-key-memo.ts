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

/** Unknown ids held at most; beyond it the oldest go first. */
const MAX_UNKNOWN = 10_000;
/** How long an id that found no row is answered from memory. */
export const UNKNOWN_MAX_AGE_MS = 60_000;

/**
 * Ids that found no row, so a client repeating one (a deleted key's bot, a
 * scanner) costs no database read each time. Bounded in size and age, and
 * never a reason to refuse a key that exists: key ids are 128 random bits
 * minted by the server at creation, so an entry could only turn wrong if
 * that very id were created after it was asked for; no one can know an id
 * before the create response that carries it, which is sent after the row
 * is committed, so no instance can hold an entry for it by then (short of
 * guessing 128 bits). Nothing needs to invalidate an entry, here or on
 * other instances. The age bound keeps it so should that ever change, e.g.
 * a read replica that lags the insert.
 *
 * Random ids churn the oldest out; what stops a stream of them reading the
 * database is the per-address failure budget, not this.
 */
export class UnknownKeyIds {
  /** Id to the time it was found unknown; Map order is age order. */
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = MAX_UNKNOWN) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: string, nowMs: number): boolean {
    const at = this.entries.get(id);
    if (at === undefined) return false;
    if (nowMs - at >= UNKNOWN_MAX_AGE_MS) {
      this.entries.delete(id);
      return false;
    }
    return true;
  }

  add(id: string, nowMs: number): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, nowMs);
  }
}
