import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from './support/server-process';
import { TEST_JWT_SECRET } from './support/test-app';

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
      'production under HS256 without JWT_SECRET',
      {
        NODE_ENV: 'production',
        JWT_ALGORITHM: 'HS256',
        JWT_SECRET: '',
        DATA_ENCRYPTION_KEY: 'q3Jw0m3sV5nq0a8Zb1cXk2m7yN4tR6uP9eW1fH5jL0o=',
      },
      'Configuration error: JWT_SECRET is required when NODE_ENV=production',
    ],
    [
      'production under ES256 (the default) without DATA_ENCRYPTION_KEY, JWT_SECRET unset too',
      { NODE_ENV: 'production', JWT_SECRET: '', DATA_ENCRYPTION_KEY: '' },
      'Configuration error: DATA_ENCRYPTION_KEY is required when NODE_ENV=production',
    ],
    [
      'an unknown JWT_ALGORITHM',
      { JWT_ALGORITHM: 'RS256' },
      'Configuration error: JWT_ALGORITHM must be one of',
    ],
    [
      'production without DATA_ENCRYPTION_KEY',
      {
        NODE_ENV: 'production',
        JWT_SECRET: 'q7Vn2xLp9RtK4mWz8bYc3hJd6sFg1aEu',
        DATA_ENCRYPTION_KEY: '',
      },
      'Configuration error: DATA_ENCRYPTION_KEY is required when NODE_ENV=production',
    ],
    [
      'a DATA_ENCRYPTION_KEY of the wrong length',
      { DATA_ENCRYPTION_KEY: Buffer.alloc(16, 7).toString('base64') },
      'Configuration error: DATA_ENCRYPTION_KEY must be 32 random bytes in base64',
    ],
    [
      'a JWT_SECRET that is a short pattern repeated',
      { JWT_SECRET: 'ab'.repeat(20) },
      'Configuration error: JWT_SECRET is not random: it has only 2 distinct characters',
    ],
    [
      'a bootstrap admin name POST /admin/users would refuse',
      {
        BOOTSTRAP_ADMIN_USERNAME: 'root admin',
        BOOTSTRAP_ADMIN_PASSWORD: 'long-password-1',
      },
      'Configuration error: BOOTSTRAP_ADMIN_USERNAME must be 3-64 characters of letters, digits, ".", "_" or "-"',
    ],
    [
      'a bootstrap admin password POST /admin/users would refuse',
      { BOOTSTRAP_ADMIN_USERNAME: 'root', BOOTSTRAP_ADMIN_PASSWORD: 'admin' },
      'Configuration error: BOOTSTRAP_ADMIN_PASSWORD must be longer than or equal to 8 characters',
    ],
  ])('%s exits non-zero with one clear line', async (_name, env, line) => {
    const { code, output } = await ServerProcess.runToExit({
      JWT_SECRET: TEST_JWT_SECRET,
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
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: 'mysql://root@127.0.0.1:1/nothing',
      LOG_LEVEL: 'fatal',
    });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^Start-up failed: .*ECONNREFUSED/),
    ]);
  });
});

describe('the development JWT secret in DATA_DIR', () => {
  function dataDirWith(secret?: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'auth-start-'));
    if (secret !== undefined) writeFileSync(join(dir, 'jwt-secret'), secret);
    return dir;
  }

  it.each([
    ['empty', '', 'it has 0'],
    ['short', 'not-32-bytes', 'it has 12'],
  ])(
    'a jwt-secret file that is %s stops start-up with one line',
    async (_name, content, detail) => {
      const dataDir = dataDirWith(content);
      const { code, output } = await ServerProcess.runToExit({
        JWT_SECRET: '',
        DATA_DIR: dataDir,
        DATABASE_URL: 'sqlite::memory:',
      });
      expect(code).toBe(1);
      expect(output.trim().split('\n')).toEqual([
        `Configuration error: ${join(dataDir, 'jwt-secret')} must hold at least 32 bytes of key material (${detail}); ` +
          'delete it to have a new one generated, or set JWT_SECRET',
      ]);
    },
  );

  it('is named in one start-up warning when HOST is not loopback, and not otherwise', async () => {
    const warningsOf = async (host: string, dataDir: string) => {
      const server = await ServerProcess.start({
        JWT_SECRET: '',
        HOST: host,
        DATA_DIR: dataDir,
        DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'warn',
      });
      await server.stop();
      return server
        .output()
        .split('\n')
        .filter((line) => line.includes('development secret'));
    };
    const dataDir = dataDirWith();
    const reachable = await warningsOf('0.0.0.0', dataDir);
    expect(reachable).toHaveLength(1);
    expect(JSON.parse(reachable[0])).toMatchObject({
      level: 40,
      msg: expect.stringContaining(
        `signed with the development secret generated in ${join(dataDir, 'jwt-secret')}`,
      ),
    });
    expect(await warningsOf('127.0.0.1', dataDir)).toEqual([]);
  });
});
