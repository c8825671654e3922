/**
 * Identifier columns (usernames, JTIs, session and token ids, token hashes)
 * compare byte for byte. MySQL/MariaDB's default utf8mb4_general_ci ignores
 * case, accents and trailing spaces, so `kévin ` would find `kevin`;
 * SQLite's default (BINARY) already compares bytes and knows no such
 * collation name, so entities and migrations set it on MySQL only.
 */
export const BINARY_CHARSET = 'utf8mb4';
export const BINARY_COLLATION = 'utf8mb4_bin';

/** Column options for an identifier column on the given driver. */
export function binaryText(driver: string): {
  charset?: string;
  collation?: string;
} {
  return driver === 'mysql' || driver === 'mariadb'
    ? { charset: BINARY_CHARSET, collation: BINARY_COLLATION }
    : {};
}
