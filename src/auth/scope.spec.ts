import { Scope, scopeNeeded, scopesSatisfy } from './scope';

describe(scopeNeeded.name, () => {
  it('is the declared scope, whatever the method', () => {
    expect(scopeNeeded(Scope.Trade, 'GET')).toBe('trade');
    expect(scopeNeeded(Scope.Read, 'POST')).toBe('read');
  });

  it('is read for a GET, a HEAD and a WebSocket message that declare none', () => {
    expect(scopeNeeded(undefined, 'GET')).toBe('read');
    expect(scopeNeeded(undefined, 'HEAD')).toBe('read');
    expect(scopeNeeded(undefined, undefined)).toBe('read');
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])(
    'is nothing a key can hold for an undeclared %s',
    (method) => {
      const needed = scopeNeeded(undefined, method);
      expect(needed).toBeUndefined();
      expect(scopesSatisfy(Object.values(Scope), needed)).toBe(false);
    },
  );
});

describe(scopesSatisfy.name, () => {
  it('needs the very scope: trade is not read, transfer is not trade', () => {
    expect(scopesSatisfy(['read'], 'read')).toBe(true);
    expect(scopesSatisfy(['trade'], 'read')).toBe(false);
    expect(scopesSatisfy(['read', 'transfer'], 'trade')).toBe(false);
    expect(scopesSatisfy(['read', 'trade'], 'trade')).toBe(true);
  });
});
