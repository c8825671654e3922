import { ServerProcess } from './support/server-process';

/** Start-up as an operator sees it: the real entry point, a bad setting, one line, a non-zero exit. */
describe('start-up with a bad setting', () => {
  it.each([
    [
      'PORT=abc',
      { PORT: 'abc' },
      'Configuration error: PORT must be an integer from 0 to 65535, got "abc"',
    ],
    [
      'a malformed DATABASE_URL',
      { DATABASE_URL: 'postgres://nope' },
      'Configuration error: DATABASE_URL must be mysql://user:pass@host:port/db or sqlite:<path>',
    ],
    [
      'a short JWT_SECRET',
      { JWT_SECRET: 'too-short' },
      'Configuration error: JWT_SECRET must be at least 32 characters long (it has 9)',
    ],
    [
      'production without JWT_SECRET',
      { NODE_ENV: 'production', JWT_SECRET: '' },
      'Configuration error: JWT_SECRET is required when NODE_ENV=production',
    ],
  ])('%s exits non-zero with one clear line', async (_name, env, line) => {
    const { code, output } = await ServerProcess.runToExit({
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'sqlite::memory:',
      ...env,
    });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(line)).toBe(true);
  });

  it('an unreachable MySQL server stops start-up with one line', async () => {
    const { code, output } = await ServerProcess.runToExit({
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'mysql://root@127.0.0.1:1/nothing',
      LOG_LEVEL: 'fatal',
    });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^Start-up failed: .*ECONNREFUSED/),
    ]);
  });
});
