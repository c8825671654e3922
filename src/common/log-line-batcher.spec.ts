import { LineEncoder, LineSink, LogLineBatcher } from './log-line-batcher';

class RecordingSink implements LineSink {
  readonly writes: string[] = [];
  flushes = 0;
  syncFlushes = 0;
  write(chunk: Buffer): void {
    // A copy, as the batcher must never write into a chunk it handed over.
    this.writes.push(Buffer.from(chunk).toString('utf8'));
    this.chunks.push(chunk);
  }
  readonly chunks: Buffer[] = [];
  flush(callback: (error?: Error) => void): void {
    this.flushes++;
    callback();
  }
  flushSync(): void {
    this.syncFlushes++;
  }
}

describe('LogLineBatcher', () => {
  let sink: RecordingSink;
  let batcher: LogLineBatcher;

  beforeEach(() => {
    jest.useFakeTimers();
    sink = new RecordingSink();
    batcher = new LogLineBatcher(sink, 100, 1000);
  });

  afterEach(() => {
    batcher.stop();
    jest.useRealTimers();
  });

  it('holds lines until the batch is full, then writes them as one chunk, in order', () => {
    const line = (i: number) => `{"n":${String(i).padStart(10, '0')}}\n`; // 18 characters
    // 100 bytes hold five 18-byte lines.
    for (let i = 0; i < 5; i++) batcher.write(line(i));
    expect(sink.writes).toEqual([]);
    batcher.write(line(5));
    expect(sink.writes).toEqual([[0, 1, 2, 3, 4].map(line).join('')]);
    batcher.flushSync();
    expect(sink.writes[1]).toBe(line(5));
  });

  it('never writes into a chunk once handed over', () => {
    batcher.write('first\n');
    batcher.flushSync();
    batcher.write('second\n');
    batcher.flushSync();
    expect(sink.chunks.map((chunk) => chunk.toString())).toEqual([
      'first\n',
      'second\n',
    ]);
  });

  it('keeps multi-byte characters whole', () => {
    batcher.write('é€😀\n');
    batcher.flushSync();
    expect(sink.writes).toEqual(['é€😀\n']);
  });

  it('writes a line longer than a batch on its own, after what it held', () => {
    const long = `${'x'.repeat(200)}\n`;
    batcher.write('a\n');
    batcher.write(long);
    batcher.write('b\n');
    batcher.flushSync();
    expect(sink.writes).toEqual(['a\n', long, 'b\n']);
  });

  describe('append (lines encoded in place)', () => {
    /** Encodes `text` as ASCII; declines text with an '!' in it. */
    const encoder: LineEncoder<string, number> = {
      encode(target, offset, text) {
        if (text.includes('!')) return -1;
        for (let i = 0; i < text.length; i++)
          target[offset + i] = text.charCodeAt(i);
        return offset + text.length;
      },
      line: (text, n) => `${text} (as a string ${n})`,
    };

    it('adds encoded lines between written ones, in order', () => {
      batcher.write('a\n');
      batcher.append(encoder, 'b\n', 0);
      batcher.write('c\n');
      batcher.flushSync();
      expect(sink.writes).toEqual(['a\nb\nc\n']);
    });

    it('starts a new batch for a line that does not fit, and passes a full one at once', () => {
      const forty = `${'y'.repeat(39)}\n`;
      batcher.append(encoder, forty, 0);
      batcher.append(encoder, forty, 0);
      expect(sink.writes).toEqual([]);
      batcher.append(encoder, forty, 0); // 120 > 100
      expect(sink.writes).toEqual([forty + forty]);
      batcher.append(encoder, `${'z'.repeat(59)}\n`, 0); // exactly 100
      expect(sink.writes).toEqual([
        forty + forty,
        forty + `${'z'.repeat(59)}\n`,
      ]);
    });

    it('writes what the encoder declines, or what no batch can hold, as its string', () => {
      batcher.append(encoder, 'no!\n', 1);
      batcher.append(encoder, 'w'.repeat(150), 2);
      batcher.flushSync();
      expect(sink.writes.join('')).toBe(
        `no!\n (as a string 1)${'w'.repeat(150)} (as a string 2)`,
      );
    });
  });

  it('writes what is left when the timer fires', () => {
    batcher.write('a\n');
    jest.advanceTimersByTime(999);
    expect(sink.writes).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sink.writes).toEqual(['a\n']);
  });

  it('flush and flushSync hand over what is held before asking the sink to write', () => {
    const done = jest.fn();
    batcher.write('a\n');
    batcher.flush(done);
    expect(sink.writes).toEqual(['a\n']);
    expect(done).toHaveBeenCalled();
    batcher.write('b\n');
    batcher.flushSync();
    expect(sink.writes).toEqual(['a\n', 'b\n']);
    expect(sink.syncFlushes).toBe(1);
  });

  it('writes nothing for nothing held', () => {
    jest.advanceTimersByTime(5000);
    batcher.flushSync();
    expect(sink.writes).toEqual([]);
  });
});
