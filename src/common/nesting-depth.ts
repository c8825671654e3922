/**
 * Deepest nesting any request body, query or WebSocket message of this API
 * needs is 2 (an object of scalars); this leaves room for the platform's own
 * modules. class-transformer and class-validator recurse once per level, so
 * a 6 KB body of 3,000 nested arrays overflowed the stack (a 500).
 */
export const MAX_NESTING_DEPTH = 32;

/** True when `value` nests objects or arrays deeper than `max` levels. Iterative: it cannot overflow itself. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
