/**
 * Splits `items` into chunks whose sizes are powers of two, largest first
 * (437 → 256, 128, 32, 16, 4, 1). A multi-row INSERT per chunk then comes
 * in at most log2(max) + 1 shapes, so each shape is prepared once and reused,
 * instead of one new statement for every batch size.
 */
export function powerOfTwoChunks<T>(items: readonly T[], max: number): T[][] {
  const chunks: T[][] = [];
  let size = 1;
  while (size * 2 <= max) size *= 2;
  for (let start = 0; start < items.length;) {
    while (size > items.length - start) size /= 2;
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}
