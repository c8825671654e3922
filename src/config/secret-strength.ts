/** Fewer distinct characters than this cannot come from a random generator of 32+ characters. */
const MIN_DISTINCT_CHARACTERS = 10;

/**
 * Why a secret is plainly not random, or undefined when nothing obvious is
 * wrong. It catches operator placeholders (`changeme…`, `abababab…`,
 * `xxxxxxxx…`), not weak randomness: 32 hex or base64 characters from a real
 * generator have 15+ distinct characters and never repeat a short period.
 */
export function secretWeakness(secret: string): string | undefined {
  const characters = [...secret];
  const distinct = new Set(characters).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) {
    return `it has only ${distinct} distinct character${distinct === 1 ? '' : 's'} (at least ${MIN_DISTINCT_CHARACTERS} expected)`;
  }
  const period = shortestPeriod(characters);
  if (period <= characters.length / 2) {
    return `it repeats a pattern of ${period} characters`;
  }
  return undefined;
}

/** The length of the shortest prefix the whole string repeats (the last repetition may be cut short). */
function shortestPeriod(characters: string[]): number {
  for (let period = 1; period <= characters.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < characters.length && repeats; i++) {
      repeats = characters[i] === characters[i - period];
    }
    if (repeats) return period;
  }
  return characters.length;
}
