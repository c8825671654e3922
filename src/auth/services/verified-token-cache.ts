/**
 * A bounded memo of tokens whose signature and claims were already checked,
 * keyed by the exact token string and good until the token's own expiry. It
 * saves the HMAC and JSON parsing on every request after the first; it does
 * not replace the revocation check, which runs on every request.
 *
 * When full, the oldest entries go first (insertion order of the Map); an
 * evicted token is simply verified again.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<
    string,
    { value: T; expiresAtMs: number }
  >();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowMs: number): T | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAtMs: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, expiresAtMs });
  }
}
