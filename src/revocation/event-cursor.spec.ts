import { EventCursor, GAP_WAIT_MS } from './event-cursor';

describe(EventCursor.name, () => {
  it('moves past contiguous ids at once', () => {
    const cursor = new EventCursor(10);
    cursor.observe([11, 12, 13], 0);
    expect(cursor.floor).toBe(13);
    expect(cursor.openGaps).toBe(0);
  });

  it('waits at a missing id, so a late commit below a seen id is still read', () => {
    const cursor = new EventCursor(0);
    cursor.observe([1, 3, 4], 0);
    expect(cursor.floor).toBe(1);
    expect(cursor.openGaps).toBe(1);
    // Id 2 commits late: the next read (id > 1) returns it with 3 and 4 again.
    cursor.observe([2, 3, 4], 500);
    expect(cursor.floor).toBe(4);
    expect(cursor.openGaps).toBe(0);
  });

  it('gives a gap up after GAP_WAIT_MS of its own time (a rolled-back insert)', () => {
    const cursor = new EventCursor(0);
    cursor.observe([2], 1_000);
    expect(cursor.floor).toBe(0);
    cursor.observe([2], 1_000 + GAP_WAIT_MS - 1);
    expect(cursor.floor).toBe(0);
    cursor.observe([], 1_000 + GAP_WAIT_MS);
    expect(cursor.floor).toBe(2);
  });

  it('ignores ids at or below the floor and repeated ids', () => {
    const cursor = new EventCursor(5);
    cursor.observe([3, 5, 6, 6, 7], 0);
    expect(cursor.floor).toBe(7);
  });

  it('accepts a page in any order', () => {
    const cursor = new EventCursor(0);
    cursor.observe([3, 1, 2], 0);
    expect(cursor.floor).toBe(3);
  });
});
