/** Where a signing key is in its life (see SigningKey). */
export type KeyState = 'next' | 'current' | 'previous' | 'retired';

/** What the state of a key follows from. */
export interface KeyInstants {
  readonly slot: number;
  readonly alg: string;
  readonly activatedAt: number;
  readonly retiredAt: number | null;
  readonly revokedAt: number | null;
}

/**
 * Every key's state at `nowMs`, from the instants alone, so that every
 * instance reading the same rows agrees without a message:
 * - revoked: retired, whatever else;
 * - activation still ahead: next (published, not signing);
 * - the latest key whose activation has come: current (signing), unless it
 *   is revoked: then none signs until its replacement (a key before it must
 *   not sign again past the retirement set for its last signature);
 * - an older one: previous until its retirement, then retired.
 */
export function keyStates<K extends KeyInstants>(
  keys: readonly K[],
  nowMs: number,
): Map<K, KeyState> {
  const bySlot = [...keys].sort((a, b) => a.slot - b.slot);
  let current: K | undefined;
  for (const key of bySlot) if (key.activatedAt <= nowMs) current = key;
  if (current?.revokedAt !== null) current = undefined;
  const states = new Map<K, KeyState>();
  for (const key of bySlot) {
    let state: KeyState;
    if (key.revokedAt !== null) state = 'retired';
    else if (key === current) state = 'current';
    else if (key.activatedAt > nowMs) state = 'next';
    else if (key.retiredAt !== null && key.retiredAt <= nowMs)
      state = 'retired';
    else state = 'previous';
    states.set(key, state);
  }
  return states;
}

export interface RotationPolicy {
  /** The algorithm new keys use (JWT_ALGORITHM). */
  readonly alg: string;
  /** Milliseconds a key signs before its successor takes over. */
  readonly lifetimeMs: number;
  /** Milliseconds between a key's publication and its first signature. */
  readonly leadMs: number;
}

/**
 * Whether a new key should be made now: none is waiting as next, and there
 * is no current key, or it is of another algorithm than configured, or its
 * successor must be published now to take over at the end of its lifetime.
 */
export function rotationDue<K extends KeyInstants>(
  keys: readonly K[],
  nowMs: number,
  policy: RotationPolicy,
): boolean {
  const states = keyStates(keys, nowMs);
  let current: K | undefined;
  for (const [key, state] of states) {
    if (state === 'next') return false;
    if (state === 'current') current = key;
  }
  if (current === undefined || current.alg !== policy.alg) return true;
  return nowMs >= current.activatedAt + policy.lifetimeMs - policy.leadMs;
}
