/**
 * A FIFO with a hard size: a producer never waits and memory stays bounded;
 * what does not fit is counted, not kept.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private droppedSinceLastTake = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  /** False (and one more drop counted) when the queue is full. */
  push(item: T): boolean {
    if (this.items.length >= this.capacity) {
      this.droppedSinceLastTake++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Up to `max` of the oldest items, removed from the queue. */
  take(max: number): T[] {
    if (this.items.length <= max) {
      const all = this.items;
      this.items = [];
      return all;
    }
    return this.items.splice(0, max);
  }

  /** Drops counted since the last call, and resets the count. */
  takeDropped(): number {
    const dropped = this.droppedSinceLastTake;
    this.droppedSinceLastTake = 0;
    return dropped;
  }
}
