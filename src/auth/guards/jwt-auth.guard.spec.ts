import { bearerToken } from './jwt-auth.guard';

describe(bearerToken.name, () => {
  it('takes the token after the Bearer scheme, in any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
  });

  it('refuses other schemes, a missing token and a missing header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearerabc.def')).toBeUndefined();
    expect(bearerToken('abc.def.ghi')).toBeUndefined();
  });
});
