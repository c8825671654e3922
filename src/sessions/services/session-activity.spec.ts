import { setImmediate as nextTurn } from 'node:timers/promises';
import { PreparedStatements } from '../../database/prepared-statements';
import { SessionActivity, SessionUseRecord } from './session-activity';

/** Holds each write open until the test lets it commit or fail. */
class HeldWrites {
  /** SQLite's path: one TOUCH per use, in one commit (runEach). */
  readonly embedded = true;
  written: unknown[][] = [];
  started = 0;
  private release?: (error?: Error) => void;

  runEach(_sql: string, paramLists: unknown[][]): Promise<void> {
    this.started++;
    return new Promise((resolve, reject) => {
      this.release = (error) => {
        if (error) return reject(error);
        this.written.push(...paramLists);
        resolve();
      };
    });
  }

  commit(): void {
    this.release?.();
  }

  fail(): void {
    this.release?.(new Error('database away'));
  }
}

const use = (atMs: number, userAgent: string): SessionUseRecord => ({
  atMs,
  ip: '127.0.0.1',
  userAgent,
});

describe('SessionActivity', () => {
  let writes: HeldWrites;
  let activity: SessionActivity;

  beforeEach(() => {
    writes = new HeldWrites();
    activity = new SessionActivity(writes as unknown as PreparedStatements);
  });

  it('still shows a use while its batch is being written, and not after', async () => {
    activity.note('s1', use(1_000, 'New/2'));
    const flushed = activity.flush();
    expect(activity.latest('s1')).toEqual(use(1_000, 'New/2'));
    writes.commit();
    await flushed;
    expect(writes.written).toHaveLength(1);
    expect(activity.latest('s1')).toBeUndefined();
  });

  it('shows a newer use noted during the write over the one being written', async () => {
    activity.note('s1', use(1_000, 'Old/1'));
    const flushed = activity.flush();
    activity.note('s1', use(2_000, 'New/2'));
    expect(activity.latest('s1')?.userAgent).toBe('New/2');
    writes.commit();
    // The newer use goes in a second batch of the same flush.
    while (writes.started < 2) await nextTurn();
    expect(activity.latest('s1')?.userAgent).toBe('New/2');
    writes.commit();
    await flushed;
    expect(writes.written.map((params) => params[2])).toEqual([
      'Old/1',
      'New/2',
    ]);
    expect(activity.latest('s1')).toBeUndefined();
  });

  it('keeps a use whose write failed for the next flush', async () => {
    activity.note('s1', use(1_000, 'New/2'));
    const flushed = activity.flush();
    writes.fail();
    await flushed;
    expect(activity.latest('s1')?.userAgent).toBe('New/2');
  });
});
