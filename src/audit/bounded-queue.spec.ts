import { BoundedQueue } from './bounded-queue';

describe(BoundedQueue.name, () => {
  it('keeps order and hands out at most the asked number', () => {
    const queue = new BoundedQueue<number>(10);
    for (const n of [1, 2, 3, 4]) queue.push(n);
    expect(queue.take(3)).toEqual([1, 2, 3]);
    expect(queue.take(3)).toEqual([4]);
    expect(queue.take(3)).toEqual([]);
  });

  it('refuses past its capacity and counts the drops once', () => {
    const queue = new BoundedQueue<number>(2);
    expect(queue.push(1)).toBe(true);
    expect(queue.push(2)).toBe(true);
    expect(queue.push(3)).toBe(false);
    expect(queue.push(4)).toBe(false);
    expect(queue.length).toBe(2);
    expect(queue.takeDropped()).toBe(2);
    expect(queue.takeDropped()).toBe(0);
    queue.take(1);
    expect(queue.push(5)).toBe(true);
  });
});
