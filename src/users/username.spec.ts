import { isValidUsername, normalizeUsername } from './username';

describe(isValidUsername.name, () => {
  it.each(['kevin', 'KEVIN', ' kevin ', 'new.user_1', 'a-b'])(
    'accepts %p, as account creation would (after trimming)',
    (name) => expect(isValidUsername(name)).toBe(true),
  );

  it.each([
    'kévin',
    'kevín',
    'KÉVIN',
    '\u212Aevin', // KELVIN SIGN, which lower-cases to an ASCII k
    'kevin\u00a0x',
    'ke vin',
    'ab',
    'x'.repeat(65),
  ])('refuses %p', (name) => expect(isValidUsername(name)).toBe(false));
});

describe(normalizeUsername.name, () => {
  it('drops surrounding whitespace and case', () =>
    expect(normalizeUsername('  Mixed.Case ')).toBe('mixed.case'));
});
