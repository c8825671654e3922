import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Authenticator } from './support/authenticator';
import { DRIVERS, TestDatabase } from './support/databases';
import { ServerProcess } from './support/server-process';
import {
  ADMIN,
  ApiResponse,
  TEST_JWT_SECRET,
  TestApp,
  useTestApp,
  waitFor,
} from './support/test-app';
import { WsClient } from './support/ws-client';

jest.setTimeout(180_000);

function expectError(
  response: Pick<ApiResponse, 'status' | 'body'>,
  status: number,
  code: string,
) {
  expect([response.status, response.body]).toEqual([
    status,
    expect.objectContaining({ error: expect.any(String), code }),
  ]);
}

/** Turns the factor on for a logged-in user; their authenticator and recovery codes. */
async function enrol(
  api: Pick<TestApp, 'post'>,
  token: string,
  password: string,
): Promise<{ app: Authenticator; recoveryCodes: string[] }> {
  const started = await api.post('/auth/mfa/totp', { password }, token);
  expect(started.status).toBe(200);
  const app = new Authenticator(started.body.otpauth_uri);
  const confirmed = await api.post(
    '/auth/mfa/totp/confirm',
    { code: await app.next() },
    token,
  );
  expect(confirmed.status).toBe(200);
  return { app, recoveryCodes: confirmed.body.recovery_codes };
}

describe.each(DRIVERS)('changing one’s own password on $name', (driver) => {
  const api = useTestApp(driver);

  it('ends every other session and every API key at once, and keeps the calling session', async () => {
    const password = 'password-of-pw-owner';
    const caller = await api.createUser('pw-owner', 2, password);
    const other = await api.login('pw-owner', password);
    const key = await api.post(
      '/auth/api-keys',
      { name: 'bot', permission_tier: 2, password },
      caller.access_token,
    );
    expect(key.status).toBe(201);
    const withKey = () =>
      api.request('GET', '/auth/me', {
        headers: { 'x-api-key': key.body.key },
      });
    expect((await withKey()).status).toBe(200);
    const socket = await WsClient.open(api.wsUrl, other.access_token);

    expectError(
      await api.post(
        '/auth/password',
        {
          current_password: 'wrong-password',
          new_password: 'a-new-password-1',
        },
        caller.access_token,
      ),
      401,
      'invalid_credentials',
    );
    for (const body of [
      { current_password: password, new_password: 'short' },
      { current_password: password, new_password: null },
      { current_password: null, new_password: 'a-new-password-1' },
      { current_password: password, new_password: ['a-new-password-1'] },
      {
        current_password: password,
        new_password: 'a-new-password-1',
        code: {},
      },
      { current_password: password },
    ])
      expectError(
        await api.post('/auth/password', body, caller.access_token),
        400,
        'validation_error',
      );

    const changed = await api.post(
      '/auth/password',
      { current_password: password, new_password: 'a-new-password-1' },
      caller.access_token,
    );
    expect(changed.status).toBe(204);

    // The calling session stays: its token, and its refresh.
    expect((await api.get('/auth/me', caller.access_token)).status).toBe(200);
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: caller.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    // The other session, its socket, and the key: ended.
    expectError(
      await api.get('/auth/me', other.access_token),
      401,
      'token_revoked',
    );
    expectError(
      await api.post('/auth/refresh', { refresh_token: other.refresh_token }),
      401,
      'refresh_token_invalid',
    );
    expect((await socket.closedWithin(5000)).code).toBe(4002);
    expectError(await withKey(), 401, 'api_key_invalid');
    // The new password logs in, the old one no more.
    expectError(
      await api.post('/auth/login', { username: 'pw-owner', password }),
      401,
      'invalid_credentials',
    );
    expect(
      (await api.login('pw-owner', 'a-new-password-1')).access_token,
    ).toEqual(expect.any(String));
  });

  it('asks a user with the factor on for a code or a recent step-up as well', async () => {
    const password = 'password-of-pw-mfa';
    const user = await api.createUser('pw-mfa', 2, password);
    const { app } = await enrol(api, user.access_token, password);
    // This session's login was with the password alone: not a recent second factor.
    const body = {
      current_password: password,
      new_password: 'a-new-password-2',
    };
    const refused = await api.post('/auth/password', body, user.access_token);
    expectError(refused, 401, 'insufficient_user_authentication');
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", max_age=300',
    );
    expectError(
      await api.post(
        '/auth/password',
        { ...body, code: app.wrong() },
        user.access_token,
      ),
      401,
      'mfa_invalid',
    );
    expect(
      (
        await api.post(
          '/auth/password',
          { ...body, code: await app.next() },
          user.access_token,
        )
      ).status,
    ).toBe(204);
  });
});

describe.each(DRIVERS)('MFA_REQUIRED_TIER on $name', (driver) => {
  const api = useTestApp(driver, { MFA_REQUIRED_TIER: '3' });

  it('lets a user of that tier without a factor log in, enrol and little else until enrolled', async () => {
    // The first admin (tier 4) is under the policy too, and can still enrol.
    const admin = await api.adminToken();
    expect((await api.get('/auth/me', admin)).status).toBe(200);
    expectError(
      await api.get('/admin/users', admin),
      403,
      'mfa_enrollment_required',
    );
    await enrol(api, admin, ADMIN.password);
    expect((await api.get('/admin/users', admin)).status).toBe(200);

    const create = async (username: string, tier: number) => {
      const password = 'password-of-' + username;
      const created = await api.post(
        '/admin/users',
        { username, password, permission_tier: tier },
        admin,
      );
      expect(created.status).toBe(201);
      return { password, ...(await api.login(username, password)) };
    };
    const user = await create('policy-power', 3);
    const token = user.access_token;
    expect((await api.get('/auth/me', token)).status).toBe(200);
    expect((await api.get('/auth/mfa', token)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/auth/sessions'],
      ['POST', '/auth/ws-ticket'],
      ['GET', '/auth/api-keys'],
    ])
      expectError(
        await api.request(method, path, { token }),
        403,
        'mfa_enrollment_required',
      );

    // Enrolled: the same session may now do the rest.
    await enrol(api, token, user.password);
    expect((await api.get('/auth/sessions', token)).status).toBe(200);

    // A lower tier is not asked.
    const trader = await create('policy-trader', 2);
    expect((await api.get('/auth/sessions', trader.access_token)).status).toBe(
      200,
    );
    // Logging out stays open to the unenrolled.
    const other = await create('policy-admin2', 4);
    expectError(
      await api.get('/auth/sessions', other.access_token),
      403,
      'mfa_enrollment_required',
    );
    expect(
      (await api.post('/auth/logout', undefined, other.access_token)).status,
    ).toBe(204);
  });
});

describe.each(DRIVERS)(
  'an admin reset of the second factor on $name',
  (driver) => {
    const api = useTestApp(driver);

    it('turns the factor off and ends the user’s sessions', async () => {
      const password = 'password-of-reset-me';
      const user = await api.createUser('reset-me', 2, password);
      await enrol(api, user.access_token, password);
      expectError(
        await api.post('/auth/login', { username: 'reset-me', password }),
        401,
        'mfa_required',
      );
      const admin = await api.adminToken();
      expectError(
        await api.request('DELETE', `/admin/users/${user.id}/mfa`, {
          token: user.access_token,
        }),
        403,
        'insufficient_tier',
      );
      expectError(
        await api.request('DELETE', '/admin/users/999999/mfa', {
          token: admin,
        }),
        404,
        'not_found',
      );
      expectError(
        await api.request('DELETE', '/admin/users/abc/mfa', { token: admin }),
        400,
        'validation_error',
      );
      const reset = await api.request('DELETE', `/admin/users/${user.id}/mfa`, {
        token: admin,
      });
      expect(reset.status).toBe(204);
      expectError(
        await api.get('/auth/me', user.access_token),
        401,
        'token_revoked',
      );
      expectError(
        await api.post('/auth/refresh', { refresh_token: user.refresh_token }),
        401,
        'refresh_token_invalid',
      );
      const login = await api.post('/auth/login', {
        username: 'reset-me',
        password,
      });
      expect(login.status).toBe(200);
      expect(
        (await api.get('/auth/mfa', login.body.access_token)).body.totp.enabled,
      ).toBe(false);
      await waitFor(async () => {
        const events = await api.get(
          `/admin/audit?type=mfa_reset&user_id=${user.id}`,
          admin,
        );
        return events.body.items.length === 1;
      }, 5000);
    });

    it('is in the CLI as users:mfa-reset', async () => {
      const password = 'password-of-cli-reset';
      const user = await api.createUser('cli-reset', 2, password);
      await enrol(api, user.access_token, password);
      const result = await new Promise<{ code: number | null; output: string }>(
        (resolve) => {
          const child = spawn(
            process.execPath,
            [
              '-r',
              'ts-node/register/transpile-only',
              join(__dirname, '../src/cli/main.ts'),
              'users:mfa-reset',
              'cli-reset',
            ],
            {
              env: {
                PATH: process.env.PATH,
                DATABASE_URL: api.db.url,
                JWT_SECRET: TEST_JWT_SECRET,
                NODE_ENV: 'test',
              },
            },
          );
          let output = '';
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.on('exit', (code) => resolve({ code, output }));
          child.stdin.end();
        },
      );
      expect(result).toEqual({
        code: 0,
        output: expect.stringContaining('cli-reset'),
      });
      // The CLI's revocation reaches this instance through the feed.
      await waitFor(
        async () =>
          (await api.get('/auth/me', user.access_token)).status === 401,
        5000,
      );
      expect(
        (await api.post('/auth/login', { username: 'cli-reset', password }))
          .status,
      ).toBe(200);
    });
  },
);

describe.each(DRIVERS)(
  'the second factor across two instances on $name',
  (driver) => {
    let db: TestDatabase;
    let local: TestApp;
    let remote: ServerProcess;
    const key = randomBytes(32).toString('base64');

    beforeAll(async () => {
      db = await driver.create();
      local = await TestApp.start(db, { DATA_ENCRYPTION_KEY: key });
      remote = await ServerProcess.start({
        DATABASE_URL: db.url,
        DATA_ENCRYPTION_KEY: key,
        RATE_LIMIT_LOGIN_MAX: '100000',
      });
    });

    afterAll(async () => {
      await remote?.kill();
      await local?.close();
      await db?.drop();
    });

    it('refuses on one instance a code the other accepted, and finishes there a login the other started', async () => {
      const password = 'password-of-two-sites';
      const user = await local.createUser('two-sites', 2, password);
      const { app } = await enrol(local, user.access_token, password);

      const code = await app.next();
      const here = await local.post('/auth/login', {
        username: 'two-sites',
        password,
        otp: code,
      });
      expect(here.status).toBe(200);
      expectError(
        await remote.post('/auth/login', {
          username: 'two-sites',
          password,
          otp: code,
        }),
        401,
        'mfa_invalid',
      );

      const started = await local.post('/auth/login', {
        username: 'two-sites',
        password,
      });
      expectError(started, 401, 'mfa_required');
      const finished = await remote.post('/auth/login/mfa', {
        mfa_token: started.body.mfa_token,
        code: await app.next(),
      });
      expect(finished.status).toBe(200);
      expectError(
        await local.post('/auth/login/mfa', {
          mfa_token: started.body.mfa_token,
          code: app.wrong(),
        }),
        401,
        'mfa_token_invalid',
      );
    });
  },
);
