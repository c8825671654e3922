import { Worker } from 'node:worker_threads';

/**
 * How much lower than the event loop the hashing threads run (Linux nice
 * value; 19 is the lowest priority). The event loop stays at 0.
 */
const HASH_THREAD_NICE = 10;

/** What a hashing thread is asked to do. */
export type HashJob =
  | { op: 'hash'; password: string; options: object }
  | { op: 'verify'; hash: string; password: string };

/**
 * The worker's whole program. Plain JavaScript, run with `eval`, so the same
 * code works from dist/, ts-node and Jest alike; the argon2 binding is
 * required by absolute path because the server's working directory need not
 * hold node_modules.
 */
function workerSource(argon2Path: string): string {
  return `
const { parentPort } = require('node:worker_threads');
const { setPriority } = require('node:os');
const { hashSync, verifySync } = require(${JSON.stringify(argon2Path)});
try {
  // On Linux the nice value is per thread: this lowers the hashing thread only.
  setPriority(0, ${HASH_THREAD_NICE});
} catch {}
parentPort.on('message', ({ id, job }) => {
  try {
    const value = job.op === 'hash'
      ? hashSync(job.password, job.options)
      : verifySync(job.hash, job.password);
    parentPort.postMessage({ id, value });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});`;
}

interface Pending {
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

/**
 * Threads that hash passwords at a lower CPU priority than the event loop.
 * With argon2 on libuv's pool at the same priority, a 2-core machine under a
 * login storm handed the core to a waking hash thread in the middle of the
 * event loop's work, and every other request waited behind it; at a lower
 * priority the hashes take only what the event loop leaves.
 *
 * One job per thread at a time: the caller (PasswordHasher's limiter) runs at
 * most as many jobs as there are threads. A thread that dies fails its job
 * and is replaced.
 */
export class HashThreads {
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly jobOf = new Map<Worker, number>();
  private readonly source: string;
  private nextId = 1;
  private closed = false;

  constructor(count: number) {
    this.source = workerSource(require.resolve('@node-rs/argon2'));
    for (let i = 0; i < count; i++) this.idle.push(this.spawn());
  }

  /** Runs a job on an idle thread; callers keep the number in flight at or below the thread count. */
  run(job: HashJob): Promise<string | boolean> {
    const worker = this.idle.pop();
    if (!worker)
      return Promise.reject(
        new Error('no idle hashing thread (over the limit)'),
      );
    const id = this.nextId++;
    this.jobOf.set(worker, id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.jobOf.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(this.source, { eval: true });
    // Idle threads must not keep a finished process (the CLI) alive.
    worker.unref();
    worker.on(
      'message',
      (message: { id: number; value?: string | boolean; error?: string }) => {
        const job = this.pending.get(message.id);
        this.pending.delete(message.id);
        this.jobOf.delete(worker);
        this.idle.push(worker);
        if (!job) return;
        if (message.error !== undefined) job.reject(new Error(message.error));
        else job.resolve(message.value!);
      },
    );
    worker.on('error', () => undefined);
    worker.on('exit', () => this.replace(worker));
    return worker;
  }

  private replace(worker: Worker): void {
    const id = this.jobOf.get(worker);
    this.jobOf.delete(worker);
    const idleAt = this.idle.indexOf(worker);
    if (idleAt !== -1) this.idle.splice(idleAt, 1);
    if (id !== undefined) {
      this.pending.get(id)?.reject(new Error('hashing thread exited'));
      this.pending.delete(id);
    }
    if (!this.closed) this.idle.push(this.spawn());
  }
}
