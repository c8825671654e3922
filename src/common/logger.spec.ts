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
});
