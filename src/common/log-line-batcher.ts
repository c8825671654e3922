/** Where batched lines go: sonic-boom (pino.destination in buffer mode) in the server. */
export interface LineSink {
  write(chunk: Buffer): unknown;
  flush(callback: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Writes one kind of line (the access log's) straight into a batch, as
 * bytes, with no string built for it.
 */
export interface LineEncoder<A, B> {
  /**
   * Writes the line for `a` and `b` into `target` from `offset` and returns
   * the offset after it: beyond `target.length` when it did not fit (what
   * lies past the end is dropped), or -1 when the line holds something this
   * encoder leaves to `line`.
   */
  encode(target: Buffer, offset: number, a: A, b: B): number;
  /** The same line as a string, for what `encode` declines. */
  line(a: A, b: B): string;
}

/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Collects log lines, as UTF-8 in a buffer of `batchBytes`, and hands each
 * full buffer (and whatever is held every `flushMs`) to the sink in one
 * write. sonic-boom can buffer by itself (`minLength`), but it appends
 * every line to one growing string and measures that string's UTF-8 length
 * on every write: at thousands of access-log lines a second, that copy per
 * line cost more than the line. Encoding each line once into a buffer does
 * not, and lines given to `append` are never strings at all: the access log
 * allocates nothing per request. sonic-boom still does the writing (partial
 * writes, EAGAIN on pipes, the synchronous flush at exit).
 */
export class LogLineBatcher {
  private buffer: Buffer;
  private used = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sink: LineSink,
    private readonly batchBytes: number,
    flushMs: number,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(batchBytes);
    this.timer = setInterval(() => this.pass(), flushMs);
    this.timer.unref();
  }

  /** pino's destination interface: one call per line. */
  write(line: string): void {
    const room = this.batchBytes - this.used;
    // The exact length is only measured when the bound says it may not fit.
    if (
      line.length * MAX_UTF8_PER_UNIT > room &&
      Buffer.byteLength(line) > room
    ) {
      this.pass();
      if (Buffer.byteLength(line) > this.batchBytes) {
        // Longer than a batch can surely hold: it goes out on its own,
        // after everything held.
        this.sink.write(Buffer.from(line));
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
  }

  /** Adds the line `encoder` makes of `a` and `b`, encoded in place. */
  append<A, B>(encoder: LineEncoder<A, B>, a: A, b: B): void {
    let end = encoder.encode(this.buffer, this.used, a, b);
    if (end > this.batchBytes && this.used > 0) {
      this.pass();
      end = encoder.encode(this.buffer, 0, a, b);
    }
    if (end < 0 || end > this.batchBytes) {
      this.write(encoder.line(a, b));
      return;
    }
    this.used = end;
    if (this.used === this.batchBytes) this.pass();
  }

  /** Hands everything collected to the sink and calls back once it is written. */
  flush(callback: (error?: Error) => void = () => undefined): void {
    this.pass();
    this.sink.flush(callback);
  }

  /** Writes everything now, blocking (for process exit). */
  flushSync(): void {
    this.pass();
    this.sink.flushSync();
  }

  /** Stops the timer (tests; the server's timer is unref'd). */
  stop(): void {
    clearInterval(this.timer);
  }

  private pass(): void {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    // The sink keeps the chunk until it is written: the next lines go to a
    // fresh buffer, one allocation per batch.
    this.buffer = Buffer.allocUnsafeSlow(this.batchBytes);
    this.used = 0;
    this.sink.write(chunk);
  }
}
