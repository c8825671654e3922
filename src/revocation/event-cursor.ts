/** How long an id below the highest one seen may stay missing before it is taken as never coming. */
export const GAP_WAIT_MS = 30_000;
/** At most this many missing ids are waited for; beyond it the oldest are given up. */
const MAX_GAPS = 10_000;

/**
 * Where to resume reading revocation_events, by the ids the database assigns
 * rather than by anyone's clock, so a writer whose clock lags cannot hide a
 * revocation.
 *
 * Auto-increment ids are handed out at insert and become visible at commit,
 * so id 11 can be seen before id 10 commits. The cursor therefore only moves
 * past an id once it has been seen, or once it has been missing for
 * GAP_WAIT_MS of this process's own (monotonic) time, which is what a rolled
 * back insert or an auto-increment step leaves behind. Reads ask for
 * `id > floor`; the rows above the floor that were already seen are read
 * again while a gap below them is open, and applying them twice is harmless.
 */
export class EventCursor {
  private seenAbove = new Set<number>();
  /** Missing id -> when it was first noticed missing (process time, ms). */
  private readonly gaps = new Map<number, number>();
  private highest: number;

  constructor(private settled: number) {
    this.highest = settled;
  }

  /** Read rows with id greater than this. */
  get floor(): number {
    return this.settled;
  }

  /** Notes the ids of a page just read (ascending or not) at process time `nowMs`. */
  observe(ids: readonly number[], nowMs: number): void {
    for (const id of ids) {
      if (id <= this.settled) continue;
      this.seenAbove.add(id);
      this.gaps.delete(id);
      if (id > this.highest) {
        for (let missing = this.highest + 1; missing < id; missing++) {
          if (this.gaps.size >= MAX_GAPS) break;
          if (!this.seenAbove.has(missing)) this.gaps.set(missing, nowMs);
        }
        this.highest = id;
      }
    }
    this.advance(nowMs);
  }

  /** Ids currently waited for (for tests and logs). */
  get openGaps(): number {
    return this.gaps.size;
  }

  private advance(nowMs: number): void {
    for (;;) {
      const next = this.settled + 1;
      if (next > this.highest) return;
      if (this.seenAbove.delete(next)) {
        this.settled = next;
        continue;
      }
      const since = this.gaps.get(next);
      // Not tracked (the gap list was full) or waited long enough: give it up.
      if (since === undefined || nowMs - since >= GAP_WAIT_MS) {
        this.gaps.delete(next);
        this.settled = next;
        continue;
      }
      return;
    }
  }
}
