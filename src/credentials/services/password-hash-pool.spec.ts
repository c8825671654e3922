import { Algorithm } from '@node-rs/argon2';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import {
  HASH_THREAD_NICE_INCREMENT,
  HashQueueFullError,
  PasswordHashPool,
} from './password-hash-pool';

/** Cheap parameters: these tests are about the threads, not the hash's cost. */
const CHEAP = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 1024,
  timeCost: 1,
  parallelism: 1,
};

/** Nice value of one of this process's threads, from /proc (Linux). */
function niceOf(tid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined; // the thread ended since the listing
  }
  // After the command name, which may itself hold ") ".
  return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16]);
}

/** Thread ids of this process; the event loop's is the process id. */
function threadIds(): number[] {
  return readdirSync('/proc/self/task').map(Number);
}

describe(PasswordHashPool.name, () => {
  let pool: PasswordHashPool;

  afterEach(() => pool.destroy());

  it('hashes and verifies, true for the password and false for another', async () => {
    pool = new PasswordHashPool(2, 0);
    const hash = await pool.hash('correct horse', CHEAP);
    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(pool.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(pool.verify(hash, 'wrong horse')).resolves.toBe(false);
  });

  it('fails a job on an unparsable hash and stays usable', async () => {
    pool = new PasswordHashPool(1, 0);
    await expect(pool.verify('not a hash', 'x')).rejects.toThrow();
    await expect(pool.hash('x', CHEAP)).resolves.toMatch(/^\$argon2id\$/);
  });

  it('runs one job per thread, queues up to the bound, and refuses the rest without hashing them', async () => {
    pool = new PasswordHashPool(2, 1);
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((password) =>
      pool.hash(password, CHEAP).then(
        () => 'hashed',
        (error: unknown) => (error as Error).name,
      ),
    );
    await expect(Promise.all(jobs)).resolves.toEqual([
      'hashed',
      'hashed',
      'hashed',
      HashQueueFullError.name,
      HashQueueFullError.name,
    ]);
    // Refused jobs never reach a thread: the next job is the fourth hash.
    await pool.hash('f', CHEAP);
    expect(pool.completed).toBe(4);
  });

  it('with no queue, a job that finds every thread busy is refused and never hashed', async () => {
    // piscina 5.3.2 alone, with maxQueue 0, refused such a job and then ran it anyway.
    pool = new PasswordHashPool(1, 0);
    const first = pool.hash('a', CHEAP);
    await expect(pool.hash('b', CHEAP)).rejects.toBeInstanceOf(
      HashQueueFullError,
    );
    await first;
    await pool.hash('c', CHEAP);
    expect(pool.completed).toBe(2);
  });

  it('counts the jobs waiting for a thread, and tells how long each waited', async () => {
    const waits: number[] = [];
    pool = new PasswordHashPool(1, 2, (seconds) => waits.push(seconds));
    const jobs = ['a', 'b', 'c'].map((password) => pool.hash(password, CHEAP));
    // One runs, two wait.
    expect(pool.queueDepth).toBe(2);
    await Promise.all(jobs);
    expect(pool.queueDepth).toBe(0);
    // The first found the thread free; the two others waited behind it.
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBe(0);
    expect(waits[1]).toBeGreaterThan(0);
    expect(waits[2]).toBeGreaterThan(0);
  });

  it('lowers the priority of its threads only: the event loop keeps its own', async () => {
    pool = new PasswordHashPool(2, 0);
    // Two jobs at once, so both threads have started and run a job: one
    // after the other, both could go to the first thread while the second
    // was still starting.
    await Promise.all([pool.hash('a', CHEAP), pool.hash('b', CHEAP)]);
    // Run under `nice` already, the threads go that much lower (19 at most).
    const base = getPriority();
    // By its id, not by its place in the listing (this machine's thread ids wrap at 32,768).
    expect(niceOf(process.pid)).toBe(base);
    // At least this pool's two (a destroyed pool's thread may linger a moment).
    const others = threadIds().filter((tid) => tid !== process.pid);
    expect(
      others.filter(
        (tid) =>
          niceOf(tid) === Math.min(19, base + HASH_THREAD_NICE_INCREMENT),
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
