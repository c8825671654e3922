/** Thrown when the waiting line of a ConcurrencyLimiter is full. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/**
 * Runs at most `limit` tasks at once; up to `maxQueued` more wait in line
 * (first come, first served), anything beyond is refused at once.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    readonly maxQueued: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) {
      this.running++;
    } else if (this.waiting.length < this.maxQueued) {
      // The finishing task hands its slot straight to us (see release).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new QueueFullError('Too many tasks waiting');
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
