import { FixedWindowStorage } from './fixed-window.storage';

describe(FixedWindowStorage.name, () => {
  let storage: FixedWindowStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    storage = new FixedWindowStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('counts up to the limit, then refuses until the window resets', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await storage.increment('k', 10_000, 3, 0, 'ip')).toMatchObject({
        totalHits: i,
        isBlocked: false,
      });
    }
    jest.advanceTimersByTime(2_500);
    expect(await storage.increment('k', 10_000, 3, 0, 'ip')).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 8,
    });
    jest.advanceTimersByTime(7_500);
    expect(await storage.increment('k', 10_000, 3, 0, 'ip')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('keeps keys apart and handles limits far beyond an array spread', async () => {
    for (let i = 0; i < 200_000; i++)
      await storage.increment('busy', 60_000, 1_000_000, 0, 'ip');
    expect(
      await storage.increment('busy', 60_000, 1_000_000, 0, 'ip'),
    ).toMatchObject({ totalHits: 200_001 });
    expect(await storage.increment('quiet', 60_000, 1, 0, 'ip')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('forgets windows that have ended', async () => {
    await storage.increment('k', 1_000, 5, 0, 'ip');
    storage.sweep(Date.now() + 1_000);
    expect(await storage.increment('k', 1_000, 5, 0, 'ip')).toMatchObject({
      totalHits: 1,
    });
  });
});
