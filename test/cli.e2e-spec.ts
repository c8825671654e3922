import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVERS, TestDatabase } from './support/databases';
import { ADMIN, TEST_JWT_SECRET, TestApp, waitFor } from './support/test-app';

/** Runs the operator CLI as an operator would, feeding `stdin`; returns exit code and output. */
function cli(
  dbUrl: string,
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        join(__dirname, '../src/cli/main.ts'),
        ...args,
      ],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: dbUrl,
          JWT_SECRET: TEST_JWT_SECRET,
          NODE_ENV: 'test',
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe.each(DRIVERS)('operator CLI on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('creates a user with the password from stdin, never from argv', async () => {
    const created = await cli(
      db.url,
      ['users:create', 'cli-trader', '--tier', '2'],
      'cli-password-1\n',
    );
    expect(created).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('created user'),
    });
    expect(
      (await api.login('cli-trader', 'cli-password-1')).permission_tier,
    ).toBe(2);
    const listed = await cli(db.url, ['users:list']);
    expect(listed.stdout).toMatch(/\tcli-trader\t2\tfalse/);
  });

  it('names an unknown command, then shows the usage, with exit code 2', async () => {
    // `toString` is on every object's prototype: a lookup must not find it.
    for (const word of ['users:lst', 'toString']) {
      const result = await cli(db.url, [word]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const [first, ...rest] = result.stderr.split('\n');
      expect(first).toBe(`error: unknown command "${word}"`);
      expect(rest.join('\n')).toContain('Usage: npm run cli -- <command>');
    }
  });

  it('refuses bad input with one line and exit code 1', async () => {
    expect(
      await cli(
        db.url,
        ['users:create', 'bad-tier', '--tier', '7'],
        'long-password\n',
      ),
    ).toMatchObject({
      code: 1,
      stderr:
        'error: tier must be 1 (Monitor), 2 (Trader), 3 (Power) or 4 (Admin), got "7"\n',
    });
    expect((await cli(db.url, ['users:disable', 'nobody'])).stderr).toBe(
      'error: no user named "nobody"\n',
    );
  });

  it('set-tier, disable and sessions:revoke reach a running server through the revocation feed', async () => {
    const user = await api.createUser('cli-target', 3);
    expect(
      (await cli(db.url, ['users:set-tier', 'cli-target', '--tier', '1'])).code,
    ).toBe(0);
    await waitFor(
      async () => (await api.get('/auth/me', user.access_token)).status === 401,
      5000,
    );
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: user.refresh_token,
    });
    expect(
      (await api.get('/auth/me', refreshed.body.access_token)).body
        .permission_tier,
    ).toBe(1);

    expect((await cli(db.url, ['sessions:revoke', 'cli-target'])).code).toBe(0);
    await waitFor(
      async () =>
        (await api.get('/auth/me', refreshed.body.access_token)).status === 401,
      5000,
    );
    expect(
      (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
        .body.code,
    ).toBe('refresh_token_invalid');

    expect((await cli(db.url, ['users:disable', 'cli-target'])).code).toBe(0);
    expect(
      (
        await api.post('/auth/login', {
          username: 'cli-target',
          password: 'password-of-cli-target',
        })
      ).body.code,
    ).toBe('account_disabled');
  });

  it('refuses to leave no enabled admin: set-tier or disable of the last admin is an error', async () => {
    for (const args of [
      ['users:set-tier', ADMIN.username, '--tier', '3'],
      ['users:disable', ADMIN.username],
    ]) {
      expect(await cli(db.url, args)).toMatchObject({
        code: 1,
        stderr:
          'error: This change would leave no enabled admin (tier 4); promote or enable another admin first\n',
      });
    }
    expect(
      (await api.login(ADMIN.username, ADMIN.password)).permission_tier,
    ).toBe(4);
  });

  it.each([
    [
      ['users:create', 'a b', '--tier', '2'],
      'long-password-1\n',
      /^error: username must be 3-64 characters/,
    ],
    [
      ['users:create', 'ab', '--tier', '2'],
      'long-password-1\n',
      /^error: username must be 3-64 characters/,
    ],
    [
      ['users:create', 'short-pass', '--tier', '2'],
      'short\n',
      /^error: password must be longer than or equal to 8 characters/,
    ],
  ])(
    'users:create applies the rules of POST /admin/users: %j',
    async (args, stdin, message) => {
      const result = await cli(db.url, args, stdin);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
    },
  );
});

describe('operator CLI from a fresh clone', () => {
  const root = join(__dirname, '..');
  let clone: string;

  /** `npm run cli -- <args>` in the clone, as its README says to run it. */
  const npmCli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn('npm', ['run', 'cli', '--', ...args], {
          cwd: clone,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      },
    );

  beforeAll(async () => {
    // What a clone holds before its first build: the sources, no dist/.
    clone = await mkdtemp(join(tmpdir(), 'cli-clone-'));
    for (const file of [
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'ormconfig.ts',
    ])
      await cp(join(root, file), join(clone, file));
    await cp(join(root, 'src'), join(clone, 'src'), { recursive: true });
    await symlink(join(root, 'node_modules'), join(clone, 'node_modules'));
  });

  afterAll(async () => {
    await rm(clone, { recursive: true, force: true });
  });

  it('builds first when there is no build yet, and only then', async () => {
    const main = join(clone, 'dist/src/cli/main.js');
    const first = await npmCli(['--help']);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toContain('Usage: npm run cli -- <command>');
    const built = (await stat(main)).mtimeMs;

    const second = await npmCli(['--help']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Usage: npm run cli -- <command>');
    expect((await stat(main)).mtimeMs).toBe(built);
  }, 120_000);
});
