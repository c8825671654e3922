import {
  developmentSecretWarning,
  isLoopbackHost,
} from './development-secret-warning';

describe(developmentSecretWarning.name, () => {
  const file = '/srv/auth/data/jwt-secret';

  it('warns, naming the file, when the generated secret serves a reachable address', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'auth.example.com']) {
      const warning = developmentSecretWarning({
        host,
        generatedJwtSecretFile: file,
      });
      expect(warning).toContain(file);
      expect(warning).toContain(`HOST=${host}`);
    }
  });

  it('stays quiet on loopback or with a configured JWT_SECRET', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.23',
      'localhost',
      '::1',
      '[::1]',
    ]) {
      expect(
        developmentSecretWarning({ host, generatedJwtSecretFile: file }),
      ).toBeUndefined();
    }
    expect(
      developmentSecretWarning({
        host: '0.0.0.0',
        generatedJwtSecretFile: undefined,
      }),
    ).toBeUndefined();
  });
});

describe(isLoopbackHost.name, () => {
  it('knows the loopback range and names', () => {
    expect(isLoopbackHost('127.255.0.1')).toBe(true);
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });
});
