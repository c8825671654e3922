import { mintApiKey } from '../api-keys/api-key-format';
import { redactUrl } from './logger';

describe(redactUrl.name, () => {
  it('hides the token of a WebSocket URL', () => {
    expect(redactUrl('/ws?token=eyJhbGciOi.x.y')).toBe('/ws?token=[REDACTED]');
  });

  it('hides credentials among other parameters and keeps the rest', () => {
    expect(redactUrl('/a?x=1&access_token=abc&password=p&y=2')).toBe(
      '/a?x=1&access_token=[REDACTED]&password=[REDACTED]&y=2',
    );
  });

  it.each([
    ['/ws?%74oken=abc', '/ws?%74oken=[REDACTED]'],
    ['/ws?t%6F%6B%65%6E=abc&x=1', '/ws?t%6F%6B%65%6E=[REDACTED]&x=1'],
    ['/ws?TOKEN=abc', '/ws?TOKEN=[REDACTED]'],
    ['/ws?ticket=abc', '/ws?ticket=[REDACTED]'],
    ['/a?refresh%5Ftoken=abc', '/a?refresh%5Ftoken=[REDACTED]'],
    ['/a?device_token=abc&key=k', '/a?device_token=[REDACTED]&key=[REDACTED]'],
    ['/a?pass%77ord=abc', '/a?pass%77ord=[REDACTED]'],
    ['/a?token=a&token=b', '/a?token=[REDACTED]&token=[REDACTED]'],
    ['/a?%E0%A4%A=abc', '/a?%E0%A4%A=[REDACTED]'],
    ['/a?token=abc#frag', '/a?token=[REDACTED]'],
  ])('hides %s whatever the encoding of its name', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it('leaves URLs without secrets alone', () => {
    expect(redactUrl('/auth/me')).toBe('/auth/me');
    expect(redactUrl('/a?tokens=1')).toBe('/a?tokens=1');
    expect(redactUrl('/a?x=token&keys=2')).toBe('/a?x=token&keys=2');
  });

  it.each([
    'api_key',
    'apikey',
    'x-api-key',
    'X-API-KEY',
    'Api_Key',
    'jwt',
    'JWT',
    'authorization',
    'Authorization',
    'secret',
    'SECRET',
    'x%2Dapi%2Dkey',
  ])('hides the value of ?%s=', (name) => {
    expect(redactUrl(`/a?${name}=hunter2&n=1`)).toBe(
      `/a?${name}=[REDACTED]&n=1`,
    );
  });

  const key = mintApiKey().key;
  const jwt =
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

  it.each([
    [`/a?q=${key}`, '/a?q=[REDACTED]'],
    [`/a?q=${jwt}&n=1`, '/a?q=[REDACTED]&n=1'],
    [`/a?filter=owner:${key}`, '/a?filter=owner:[REDACTED]'],
    [`/a?filter=owner%3A${key}`, '/a?filter=[REDACTED]'],
    [`/a?q=x,${jwt},y`, '/a?q=x,[REDACTED],y'],
    [`/api-keys/${key}`, '/api-keys/[REDACTED]'],
    [`/nope/${jwt}/x?y=1`, '/nope/[REDACTED]/x?y=1'],
    [`/nope/${jwt}.`, '/nope/[REDACTED].'],
    [`/nope/${key}extra.more`, '/nope/[REDACTED]'],
    [`/a/${key}/${jwt}?k=${key}`, '/a/[REDACTED]/[REDACTED]?k=[REDACTED]'],
    [`/a/tak_tak_${key.slice(4)}`, '/a/tak_[REDACTED]'],
    // Percent-encoded, a key or token is one once decoded: the whole value goes.
    [`/a?q=${key.replace('_', '%5F')}`, '/a?q=[REDACTED]'],
    [`/a?q=${jwt.replace('.', '%2E')}&n=2`, '/a?q=[REDACTED]&n=2'],
  ])(
    'hides a key or token in %s whatever its name or place',
    (url, redacted) => {
      expect(redactUrl(url)).toBe(redacted);
    },
  );

  it.each([
    '/a?q=tak_short.x',
    '/a?q=tak_0123456789012345678901.',
    '/a?q=tak_012345678901234567890.1',
    '/a/mistake_not_a_key',
    '/a?q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9',
    '/a?q=eyJa..b.c',
    '/a?q=eyJa.b.',
    '/a?q=%E0%A4%A',
  ])('leaves %s, which is no key or token, alone', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('returns the same string when there is nothing to hide', () => {
    const url = '/admin/users/12345/sessions';
    expect(redactUrl(url)).toBe(url);
  });

  it('leaves a long URL of near-shapes alone', () => {
    for (const unit of [
      'eyJ',
      'tak_',
      'eyJ/tak_/',
      'eyJa.b..c.',
      'tak_0123456789.',
    ])
      for (const url of [
        `/a/${unit.repeat(Math.floor(16_384 / unit.length))}`,
        `/a?q=${unit.repeat(Math.floor(16_384 / unit.length))}`,
      ])
        expect({ unit, same: redactUrl(url) === url }).toEqual({
          unit,
          same: true,
        });
  });
});
