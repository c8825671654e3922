import { Algorithm } from '@node-rs/argon2';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { HashThreads } from './hash-threads';

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

describe('HashThreads', () => {
  let threads: HashThreads;

  beforeEach(() => {
    threads = new HashThreads(2);
  });

  afterEach(() => threads.close());

  it('hashes and verifies, true for the password and false for another', async () => {
    const hash = (await threads.run({
      op: 'hash',
      password: 'correct horse',
      options: CHEAP,
    })) as string;
    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(
      threads.run({ op: 'verify', hash, password: 'correct horse' }),
    ).resolves.toBe(true);
    await expect(
      threads.run({ op: 'verify', hash, password: 'wrong horse' }),
    ).resolves.toBe(false);
  });

  it('fails a job on an unparsable hash and stays usable', async () => {
    await expect(
      threads.run({ op: 'verify', hash: 'not a hash', password: 'x' }),
    ).rejects.toThrow();
    await expect(
      threads.run({ op: 'hash', password: 'x', options: CHEAP }),
    ).resolves.toMatch(/^\$argon2id\$/);
  });

  it('runs two jobs at once on two threads, and refuses a third', async () => {
    const two = [
      threads.run({ op: 'hash', password: 'a', options: CHEAP }),
      threads.run({ op: 'hash', password: 'b', options: CHEAP }),
    ];
    await expect(
      threads.run({ op: 'hash', password: 'c', options: CHEAP }),
    ).rejects.toThrow(/no idle hashing thread/);
    await expect(Promise.all(two)).resolves.toHaveLength(2);
  });

  it('lowers the priority of its threads only: the event loop keeps its own', async () => {
    // Two jobs at once, so both threads have started and run a job: one
    // after the other, both could go to the first thread while the second
    // was still starting (CI saw one thread at nice 10 once).
    await Promise.all([
      threads.run({ op: 'hash', password: 'a', options: CHEAP }),
      threads.run({ op: 'hash', password: 'b', options: CHEAP }),
    ]);
    // Run under `nice` already, the threads cannot go below the process's value.
    const base = getPriority();
    // By its id, not by its place in the listing (CI once listed a thread
    // at nice 10 first; this machine's thread ids wrap at 32,768).
    expect(niceOf(process.pid)).toBe(base);
    // At least this instance's two (a closed instance's thread may linger a moment).
    const others = threadIds().filter((tid) => tid !== process.pid);
    expect(
      others.filter((tid) => niceOf(tid) === Math.max(base, 10)).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
