import { Options } from '@node-rs/argon2';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';

/**
 * How much lower than the event loop the hashing threads run (Linux nice
 * increment; the lowest priority, 19, is the ceiling). The event loop keeps
 * its own value.
 */
export const HASH_THREAD_NICE_INCREMENT = 10;

/** Thrown when every thread is busy and the waiting line is full. */
export class HashQueueFullError extends Error {
  override readonly name = 'HashQueueFullError';
}

/**
 * Threads that hash passwords at a lower CPU priority than the event loop
 * (piscina's `niceIncrement`). With argon2 on libuv's pool at the same
 * priority, a 2-core machine under a login storm handed the core to a waking
 * hash thread in the middle of the event loop's work, and every other
 * request waited behind it; at a lower priority the hashes take only what
 * the event loop leaves.
 *
 * `threads` jobs run at once, one per thread; up to `queue` more wait in
 * line (first come, first served) and anything beyond is refused at once.
 * A thread that dies fails its job and piscina starts another.
 */
export class PasswordHashPool {
  private readonly pool: Piscina;
  private readonly capacity: number;
  // piscina refuses beyond maxQueue by itself, except with maxQueue 0: 5.3.2
  // refuses the task and still runs it once a thread frees (1 thread, queue 0,
  // 4 jobs at once: 3 refused, 2 hashed), so a refused login would still
  // cost a hash. Counting here refuses before piscina sees the job.
  private inFlight = 0;
  /**
   * When each waiting job came in, oldest first. piscina hands a freed
   * thread the oldest waiting job, so the job that starts when one ends is
   * this line's head: its wait is measured without timing inside the thread.
   */
  private readonly waitingSince: number[] = [];

  constructor(
    private readonly threads: number,
    queue: number,
    /** Told how long each job waited for a thread (seconds; 0 when one was free). */
    private readonly onWaited?: (seconds: number) => void,
  ) {
    this.capacity = threads + queue;
    this.pool = new Piscina({
      // The .js beside this file, from src/ and from dist/ alike.
      filename: join(__dirname, 'password-hash.worker.js'),
      // Plain JavaScript needs none of the parent's flags: under ts-node they
      // would load a TypeScript compiler into every hashing thread.
      execArgv: [],
      minThreads: threads,
      maxThreads: threads,
      maxQueue: queue,
      concurrentTasksPerWorker: 1,
      niceIncrement: HASH_THREAD_NICE_INCREMENT,
      // Not worth keeping per-task timings nobody reads.
      recordTiming: false,
    });
  }

  /** Jobs waiting for a thread. */
  get queueDepth(): number {
    return Math.max(0, this.inFlight - this.threads);
  }

  /** Jobs the threads have finished (refused ones never reach a thread). */
  get completed(): number {
    return this.pool.completed;
  }

  hash(password: string, options: Options): Promise<string> {
    return this.run('hash', { password, options });
  }

  /** Rejects for a stored hash that cannot be parsed. */
  verify(hash: string, password: string): Promise<boolean> {
    return this.run('verify', { hash, password });
  }

  /** Fails queued jobs and stops the threads. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  private async run<T>(name: 'hash' | 'verify', job: object): Promise<T> {
    if (this.inFlight >= this.capacity)
      throw new HashQueueFullError('Too many hashes waiting');
    if (this.inFlight++ < this.threads) this.onWaited?.(0);
    else if (this.onWaited) this.waitingSince.push(performance.now());
    try {
      return (await this.pool.run(job, { name })) as T;
    } finally {
      this.inFlight--;
      const since = this.waitingSince.shift();
      if (since !== undefined)
        this.onWaited?.((performance.now() - since) / 1000);
    }
  }
}
