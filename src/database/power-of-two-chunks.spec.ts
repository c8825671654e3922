import fc from 'fast-check';
import { powerOfTwoChunks } from './power-of-two-chunks';

describe('powerOfTwoChunks', () => {
  it('splits 437 items into 256, 128, 32, 16, 4, 1 under a cap of 512', () => {
    const items = Array.from({ length: 437 }, (_, i) => i);
    expect(powerOfTwoChunks(items, 512).map((c) => c.length)).toEqual([
      256, 128, 32, 16, 4, 1,
    ]);
  });

  it('never exceeds the cap, and keeps every item once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 3000 }),
        fc.integer({ min: 1, max: 1000 }),
        (items, max) => {
          const chunks = powerOfTwoChunks(items, max);
          expect(chunks.flat()).toEqual(items);
          for (const chunk of chunks) {
            expect(chunk.length).toBeLessThanOrEqual(max);
            expect(Number.isInteger(Math.log2(chunk.length))).toBe(true);
          }
        },
      ),
    );
  });
});
