import {
  API_KEY_LENGTH,
  hashSecret,
  mintApiKey,
  parseApiKey,
  sameSecret,
  secretMatches,
} from './api-key-format';

describe('API key format', () => {
  it('parses what it mints, and only the hash matches its secret', () => {
    const minted = mintApiKey();
    expect(minted.key).toHaveLength(API_KEY_LENGTH);
    const parsed = parseApiKey(minted.key);
    expect(parsed?.id).toBe(minted.id);
    const stored = Buffer.from(minted.secretHash, 'hex');
    expect(secretMatches(parsed!.secret, stored)).toBe(true);
    expect(secretMatches('x'.repeat(43), stored)).toBe(false);
    expect(minted.secretHash).toBe(hashSecret(parsed!.secret));
    expect(minted.key).not.toContain(minted.secretHash);
  });

  it('compares secrets of equal length only', () => {
    expect(sameSecret('a'.repeat(43), 'a'.repeat(43))).toBe(true);
    expect(sameSecret('a'.repeat(43), 'a'.repeat(42) + 'b')).toBe(false);
    expect(sameSecret('a'.repeat(43), 'a'.repeat(42))).toBe(false);
  });

  it.each([
    '',
    'tak_' + 'a'.repeat(22) + '.' + 'b'.repeat(42) + 'é',
    'tak_' + 'a'.repeat(21) + '+.' + 'b'.repeat(43),
    'TAK_' + 'a'.repeat(22) + '.' + 'b'.repeat(43),
    'tak_',
    'x'.repeat(API_KEY_LENGTH),
    'tak_' + 'a'.repeat(22) + '-' + 'b'.repeat(43),
    'tak_' + 'a'.repeat(22) + '.' + 'b'.repeat(42) + '=',
    'tak_' + 'a'.repeat(22) + '.' + 'b'.repeat(44),
    'x'.repeat(100_000),
  ])('refuses a malformed key (%#)', (value) => {
    expect(parseApiKey(value)).toBeUndefined();
  });
});
