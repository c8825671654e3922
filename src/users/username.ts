/** 3-64 letters, digits, dot, underscore or hyphen. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;

/** Usernames are case-insensitive: stored and looked up lower-cased. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Whether a submitted username could name an account: the account-creation
 * rule, checked before lower-casing so that no Unicode case mapping (the
 * Kelvin sign lower-cases to `k`) turns another spelling into an account's.
 */
export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username.trim());
}
