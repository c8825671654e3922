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

  it('leaves URLs without secrets alone', () => {
    expect(redactUrl('/auth/me')).toBe('/auth/me');
    expect(redactUrl('/a?tokens=1')).toBe('/a?tokens=1');
  });
});
