/** Width of an expiry bucket: entries leave at most this long after they expire. */
const BUCKET_MS = 60_000;

/**
 * A set of strings that each stop mattering at their own instant (a
 * blocklisted JTI is useless once its token has expired). Lookups are one
 * hash-set probe; expiry is swept a whole minute-bucket at a time, so the
 * sweep never walks entries that are still live.
 */
export class ExpiringSet {
  private readonly members = new Set<string>();
  private readonly buckets = new Map<number, string[]>();

  get size(): number {
    return this.members.size;
  }

  has(value: string): boolean {
    return this.members.has(value);
  }

  /** Adds `value` until `expiresAtMs`; false if it was already there. */
  add(value: string, expiresAtMs: number): boolean {
    if (this.members.has(value)) return false;
    this.members.add(value);
    // Round up, so an entry is never swept before it expires.
    const bucket = Math.ceil(expiresAtMs / BUCKET_MS);
    const list = this.buckets.get(bucket);
    if (list) list.push(value);
    else this.buckets.set(bucket, [value]);
    return true;
  }

  /** Drops every entry whose bucket has fully expired; returns how many went. */
  sweep(nowMs: number): number {
    const current = Math.floor(nowMs / BUCKET_MS);
    let removed = 0;
    for (const [bucket, list] of this.buckets) {
      if (bucket > current) continue;
      for (const value of list) this.members.delete(value);
      removed += list.length;
      this.buckets.delete(bucket);
    }
    return removed;
  }
}
