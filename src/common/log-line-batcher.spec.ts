import { LineSink, LogLineBatcher } from './log-line-batcher';

class RecordingSink implements LineSink {
  readonly writes: string[] = [];
  flushes = 0;
  syncFlushes = 0;
  write(text: string): void {
    this.writes.push(text);
  }
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

  it('holds lines until they reach the batch size, then writes them as one text, in order', () => {
    const line = (i: number) => `{"n":${String(i).padStart(10, '0')}}\n`; // 18 characters
    for (let i = 0; i < 5; i++) batcher.write(line(i));
    expect(sink.writes).toEqual([]);
    batcher.write(line(5));
    expect(sink.writes).toEqual([[0, 1, 2, 3, 4, 5].map(line).join('')]);
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
