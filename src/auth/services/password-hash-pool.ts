import { Worker } from 'node:worker_threads';

export interface HashOptions {
  algorithm: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

type Job =
  | { op: 'hash'; password: string }
  | { op: 'verify'; password: string; hash: string };

interface Reply {
  id: number;
  result?: string | boolean;
  error?: string;
}

/**
 * The worker's whole program. It lowers its own thread's scheduling priority
 * first: on Linux `setpriority` applies to the calling thread, so the hashing
 * threads yield the CPU to the event loop whenever it has work, instead of
 * competing with it as equals (as libuv's thread pool does).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2Path);
try { require('node:os').setPriority(workerData.nice); } catch {}
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash'
      ? argon2.hashSync(job.password, workerData.options)
      : argon2.verifySync(job.hash, job.password);
    parentPort.postMessage({ id: job.id, result });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message || error) });
  }
});
`;

/**
 * `size` worker threads running argon2id, one job each at a time. Callers
 * bound how many jobs they hand in (PasswordHasher's limiter), so a job always
 * finds an idle worker.
 */
export class PasswordHashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (value: any) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;

  constructor(size: number, nice: number, options: HashOptions) {
    const argon2Path = require.resolve('@node-rs/argon2');
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { argon2Path, nice, options },
      });
      worker.on('message', (reply: Reply) => this.settle(worker, reply));
      // Referenced only while it has a job: an idle pool never keeps the process alive.
      worker.unref();
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  hash(password: string): Promise<string> {
    return this.run({ op: 'hash', password });
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.run({ op: 'verify', password, hash });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private run<T>(job: Job): Promise<T> {
    const worker = this.idle.pop();
    if (!worker)
      return Promise.reject(new Error('no idle password-hashing worker'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...job, id });
    });
  }

  private settle(worker: Worker, reply: Reply): void {
    worker.unref();
    this.idle.push(worker);
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
  }
}
