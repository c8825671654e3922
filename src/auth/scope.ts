/**
 * What an API key may do, granted when it is created (the venues' read /
 * trade / withdraw permissions). A session has every scope: its tier alone
 * governs it.
 */
export const Scope = {
  /** Reads: every GET, and what a route declares as a read (a WebSocket ticket). */
  Read: 'read',
  /** Orders and other trading writes, where a route declares it. */
  Trade: 'trade',
  /** Moving funds; only for a key pinned to an ip_allowlist. */
  Transfer: 'transfer',
  /** Token introspection below tier 4. */
  Introspect: 'introspect',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** In the order they are stored and shown. */
export const SCOPES: readonly Scope[] = Object.values(Scope);
/** A key created without `scopes`: read-only until trading is switched on. */
export const DEFAULT_SCOPES: readonly Scope[] = [Scope.Read];

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export function isScope(value: unknown): value is Scope {
  return (SCOPES as readonly unknown[]).includes(value);
}

/**
 * The scope an API key needs for a route or message: the one it declares
 * (@RequireScope), else `read` for a GET or HEAD and for a WebSocket message
 * (`method` undefined); undefined for a write that declares none, which no
 * key may call (deny by default).
 */
export function scopeNeeded(
  declared: Scope | undefined,
  method: string | undefined,
): Scope | undefined {
  if (declared !== undefined) return declared;
  return method === undefined || READ_METHODS.has(method)
    ? Scope.Read
    : undefined;
}

/** Whether a key granted `granted` may use what needs `needed` (undefined: nothing may). */
export function scopesSatisfy(
  granted: readonly Scope[],
  needed: Scope | undefined,
): boolean {
  return needed !== undefined && granted.includes(needed);
}
