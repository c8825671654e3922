/** 3-64 letters, digits, dot, underscore or hyphen. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;

/** Usernames are case-insensitive: stored and looked up lower-cased. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}
