/** Where batched lines go: sonic-boom (pino.destination) in the server. */
export interface LineSink {
  write(text: string): unknown;
  flush(callback: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Collects log lines and hands them to the sink in batches of at least
 * `minBytes` (and whatever is left every `flushMs`). sonic-boom can buffer
 * by itself (`minLength`), but it appends every line to one growing string
 * and measures that string's UTF-8 length on every write: at thousands of
 * access-log lines a second, that copy per line cost more than the line.
 * Joining an array once per batch does not; sonic-boom still does the
 * writing (partial writes, EAGAIN on pipes, the synchronous flush at exit).
 */
export class LogLineBatcher {
  private lines: string[] = [];
  private length = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sink: LineSink,
    private readonly minBytes: number,
    flushMs: number,
  ) {
    this.timer = setInterval(() => this.pass(), flushMs);
    this.timer.unref();
  }

  /** pino's destination interface: one call per line. */
  write(line: string): void {
    this.lines.push(line);
    // UTF-16 length: close enough to bytes for a batching threshold.
    this.length += line.length;
    if (this.length >= this.minBytes) this.pass();
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
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.length = 0;
    this.sink.write(text);
  }
}
