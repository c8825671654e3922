import { ApiException } from '../common/api.exception';
import { parseIdempotencyKey } from './idempotency-key';

function refusal(values: string[]): string | undefined {
  try {
    parseIdempotencyKey(values);
  } catch (error) {
    if (error instanceof ApiException) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
}

describe(parseIdempotencyKey.name, () => {
  it('has no key without the header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey([])).toBeUndefined();
  });

  it.each([
    'a',
    '8e03978e-40d5-43e8-bc93-6894a57f9324',
    '"quoted" keys stay as sent',
    '~'.repeat(255),
    ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  ])('takes %j as it is', (key) => {
    expect(parseIdempotencyKey([key])).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['Latin-1 from a raw byte', 'clé'],
    ['beyond Latin-1', 'ключ'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\x7fb'],
  ])('refuses a key that is %s with validation_error', (_name, key) => {
    expect(refusal([key])).toBe(
      'validation_error: Idempotency-Key must be 1 to 255 printable ASCII characters',
    );
  });

  it('refuses two header lines, even when each is valid', () => {
    expect(refusal(['a', 'b'])).toBe(
      'validation_error: Send one Idempotency-Key header, not several',
    );
  });
});
