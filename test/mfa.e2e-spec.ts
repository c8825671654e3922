import { DataSource } from 'typeorm';
import { Authenticator } from './support/authenticator';
import { DRIVERS } from './support/databases';
import { ApiResponse, TestApp, useTestApp, waitFor } from './support/test-app';

jest.setTimeout(120_000);

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

interface Enrolled {
  id: number;
  username: string;
  password: string;
  access_token: string;
  refresh_token: string;
  app: Authenticator;
  recoveryCodes: string[];
}

/** A user with the TOTP factor on, enrolled through the API as a user would. */
async function enrolledUser(
  api: TestApp,
  username: string,
  tier = 2,
): Promise<Enrolled> {
  const password = 'password-of-' + username;
  const user = await api.createUser(username, tier, password);
  const started = await api.post(
    '/auth/mfa/totp',
    { password },
    user.access_token,
  );
  expect(started.status).toBe(200);
  const app = new Authenticator(started.body.otpauth_uri);
  const confirmed = await api.post(
    '/auth/mfa/totp/confirm',
    { code: await app.next() },
    user.access_token,
  );
  expect(confirmed.status).toBe(200);
  return {
    ...user,
    username,
    password,
    app,
    recoveryCodes: confirmed.body.recovery_codes,
  };
}

const LOGIN_BODY_KEYS = [
  'access_expires_at',
  'access_token',
  'device_token',
  'permission_tier',
  'refresh_token',
];

function expectError(response: ApiResponse, status: number, code: string) {
  expect([response.status, response.body]).toEqual([
    status,
    expect.objectContaining({ error: expect.any(String), code }),
  ]);
}

describe.each(DRIVERS)('second factor on $name', (driver) => {
  const api = useTestApp(driver);

  it('enrols: the password, a pending seed, a first code, then ten recovery codes', async () => {
    const user = await api.createUser('mfa-enrol', 2);
    const status = await api.get('/auth/mfa', user.access_token);
    expect(status.body).toEqual({
      totp: { enabled: false, enabled_at: null },
      recovery_codes_remaining: 0,
    });

    const wrong = await api.post(
      '/auth/mfa/totp',
      { password: 'not-the-password' },
      user.access_token,
    );
    expectError(wrong, 401, 'invalid_credentials');

    expectError(
      await api.post(
        '/auth/mfa/totp/confirm',
        { code: '123456' },
        user.access_token,
      ),
      404,
      'not_found',
    );

    const first = await api.post(
      '/auth/mfa/totp',
      { password: 'password-of-mfa-enrol' },
      user.access_token,
    );
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauth_uri: expect.stringMatching(
        /^otpauth:\/\/totp\/trading-auth:mfa-enrol\?/,
      ),
      expires_in: 600,
    });
    const uri = new URL(first.body.otpauth_uri);
    expect(uri.searchParams.get('secret')).toBe(first.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('trading-auth');
    const firstApp = new Authenticator(first.body.otpauth_uri);
    expect(firstApp.totp.algorithm).toBe('SHA1');
    expect(firstApp.totp.digits).toBe(6);
    expect(firstApp.totp.period).toBe(30);

    // Asking again replaces the pending enrolment: the first seed's codes no longer confirm.
    const second = await api.post(
      '/auth/mfa/totp',
      { password: 'password-of-mfa-enrol' },
      user.access_token,
    );
    expect(second.body.secret).not.toBe(first.body.secret);
    const app = new Authenticator(second.body.otpauth_uri);
    expectError(
      await api.post(
        '/auth/mfa/totp/confirm',
        { code: firstApp.now() },
        user.access_token,
      ),
      401,
      'mfa_invalid',
    );
    expectError(
      await api.post(
        '/auth/mfa/totp/confirm',
        { code: app.wrong() },
        user.access_token,
      ),
      401,
      'mfa_invalid',
    );
    const confirmed = await api.post(
      '/auth/mfa/totp/confirm',
      { code: await app.next() },
      user.access_token,
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    for (const code of confirmed.body.recovery_codes)
      expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);

    const on = await api.get('/auth/mfa', user.access_token);
    expect(on.body).toEqual({
      totp: { enabled: true, enabled_at: expect.any(Number) },
      recovery_codes_remaining: 10,
    });
    expect(Math.abs(on.body.totp.enabled_at - Date.now() / 1000)).toBeLessThan(
      60,
    );
    expectError(
      await api.post(
        '/auth/mfa/totp',
        { password: 'password-of-mfa-enrol' },
        user.access_token,
      ),
      409,
      'conflict',
    );
    expectError(
      await api.post(
        '/auth/mfa/totp/confirm',
        { code: await app.next() },
        user.access_token,
      ),
      404,
      'not_found',
    );

    // A dump of the database gives no second factor: the seed is sealed, codes are hashes.
    const dataSource = api.app.get(DataSource);
    const dump = JSON.stringify([
      await dataSource.query('SELECT * FROM totp_factors'),
      await dataSource.query('SELECT * FROM recovery_codes'),
    ]);
    const seed = Buffer.from(app.totp.secret.bytes);
    for (const form of [
      second.body.secret,
      second.body.secret.toLowerCase(),
      seed.toString('hex'),
      seed.toString('base64'),
      seed.toString('base64url'),
    ])
      expect(dump).not.toContain(form);
    for (const code of confirmed.body.recovery_codes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace(/-/g, ''));
    }
  });

  it('logs in in two steps: the password answers mfa_required, the code finishes it', async () => {
    const user = await enrolledUser(api, 'mfa-two-step');
    const wrong = await api.post('/auth/login', {
      username: user.username,
      password: 'wrong-password',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      error: expect.any(String),
      code: 'invalid_credentials',
    });

    const first = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(first.status).toBe(401);
    expect(first.body).toEqual({
      error: expect.any(String),
      code: 'mfa_required',
      mfa_token: expect.stringMatching(/^[\w-]{22}\.[\w-]{43}$/),
      mfa_expires_in: 300,
    });

    const done = await api.post('/auth/login/mfa', {
      mfa_token: first.body.mfa_token,
      code: await user.app.next(),
    });
    expect(done.status).toBe(200);
    expect(Object.keys(done.body).sort()).toEqual(LOGIN_BODY_KEYS);
    expect(done.body.permission_tier).toBe(2);
    const claims = claimsOf(done.body.access_token);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.auth_time).toEqual(expect.any(Number));
    expect(
      Math.abs((claims.auth_time as number) - Date.now() / 1000),
    ).toBeLessThan(60);
    const me = await api.get('/auth/me', done.body.access_token);
    expect(me.body).toMatchObject({
      username: user.username,
      amr: ['pwd', 'otp'],
      auth_time: claims.auth_time,
    });

    // Single use (whatever the code: the token is checked first).
    expectError(
      await api.post('/auth/login/mfa', {
        mfa_token: first.body.mfa_token,
        code: user.app.wrong(),
      }),
      401,
      'mfa_token_invalid',
    );
    expectError(
      await api.post('/auth/login/mfa', {
        mfa_token: 'A'.repeat(22) + '.' + 'B'.repeat(43),
        code: '123456',
      }),
      401,
      'mfa_token_invalid',
    );
    expectError(
      await api.post('/auth/login/mfa', {
        mfa_token: 'nonsense',
        code: '123456',
      }),
      401,
      'mfa_token_invalid',
    );
  });

  it('logs in in one step with otp, and never accepts a code twice', async () => {
    const user = await enrolledUser(api, 'mfa-one-step');
    const code = await user.app.next();
    const login = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
      otp: code,
    });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(LOGIN_BODY_KEYS);
    expect(claimsOf(login.body.access_token).amr).toEqual(['pwd', 'otp']);

    // The same code again, in either flow: refused (replay).
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: code,
      }),
      401,
      'mfa_invalid',
    );
    const challenge = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    expectError(
      await api.post('/auth/login/mfa', {
        mfa_token: challenge.body.mfa_token,
        code,
      }),
      401,
      'mfa_invalid',
    );
    // An older step's code after a newer one was used: refused too.
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: user.app.totp.generate({ timestamp: Date.now() - 30_000 }),
      }),
      401,
      'mfa_invalid',
    );
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: user.app.wrong(),
      }),
      401,
      'mfa_invalid',
    );

    // A user without the factor logs in as before, otp or not.
    const plain = await api.createUser('mfa-none', 2);
    const me = await api.get('/auth/me', plain.access_token);
    expect(me.body.amr).toEqual(['pwd']);
    expect(claimsOf(plain.access_token).amr).toEqual(['pwd']);
    const withOtp = await api.post('/auth/login', {
      username: 'mfa-none',
      password: 'password-of-mfa-none',
      otp: '123456',
    });
    expect(withOtp.status).toBe(200);
  });

  it('kills an mfa_token after 5 wrong codes', async () => {
    const user = await enrolledUser(api, 'mfa-five');
    const { body } = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    for (let i = 0; i < 5; i++)
      expectError(
        await api.post('/auth/login/mfa', {
          mfa_token: body.mfa_token,
          code: user.app.wrong(),
        }),
        401,
        'mfa_invalid',
      );
    expectError(
      await api.post('/auth/login/mfa', {
        mfa_token: body.mfa_token,
        code: await user.app.next(),
      }),
      401,
      'mfa_token_invalid',
    );
  });

  it('takes each recovery code once, wherever a code is asked for, and replaces the set', async () => {
    const user = await enrolledUser(api, 'mfa-recovery');
    const [first, second] = user.recoveryCodes;
    const challenge = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    const done = await api.post('/auth/login/mfa', {
      mfa_token: challenge.body.mfa_token,
      // Case and hyphens do not matter.
      code: first.toUpperCase().replace(/-/g, ''),
    });
    expect(done.status).toBe(200);
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: first,
      }),
      401,
      'mfa_invalid',
    );
    const oneStep = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
      otp: second,
    });
    expect(oneStep.status).toBe(200);
    const status = await api.get('/auth/mfa', oneStep.body.access_token);
    expect(status.body.recovery_codes_remaining).toBe(8);

    const replaced = await api.post(
      '/auth/mfa/recovery-codes',
      { code: await user.app.next() },
      oneStep.body.access_token,
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.recovery_codes).toHaveLength(10);
    expect(replaced.body.recovery_codes).not.toContain(user.recoveryCodes[2]);
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: user.recoveryCodes[2],
      }),
      401,
      'mfa_invalid',
    );
    expect(
      (
        await api.post('/auth/login', {
          username: user.username,
          password: user.password,
          otp: replaced.body.recovery_codes[0],
        })
      ).status,
    ).toBe(200);

    const admin = await api.adminToken();
    let used: Array<{ detail: Record<string, unknown> }> = [];
    await waitFor(async () => {
      const audit = await api.get(
        `/admin/audit?type=recovery_code_used&user_id=${user.id}`,
        admin,
      );
      used = audit.body.items;
      return used.length === 3;
    }, 5000);
    expect(used.map((event) => event.detail.remaining).sort()).toEqual([
      8, 9, 9,
    ]);
  });

  it('does not let a device token skip the second factor', async () => {
    const user = await enrolledUser(api, 'mfa-device');
    const login = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
      otp: await user.app.next(),
    });
    const deviceToken = login.body.device_token;
    const again = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
      device_token: deviceToken,
    });
    expectError(again, 401, 'mfa_required');
    const done = await api.post('/auth/login/mfa', {
      mfa_token: again.body.mfa_token,
      code: user.recoveryCodes[0],
      device_token: deviceToken,
    });
    expect(done.status).toBe(200);
    // Still trusted: the same device token comes back.
    expect(done.body.device_token).toBe(deviceToken);
  });

  it('turns the factor off with the password and a code', async () => {
    const user = await enrolledUser(api, 'mfa-off');
    expectError(
      await api.request('DELETE', '/auth/mfa/totp', {
        token: user.access_token,
        body: { password: 'wrong-password', code: await user.app.next() },
      }),
      401,
      'invalid_credentials',
    );
    expectError(
      await api.request('DELETE', '/auth/mfa/totp', {
        token: user.access_token,
        body: { password: user.password, code: user.app.wrong() },
      }),
      401,
      'mfa_invalid',
    );
    const off = await api.request('DELETE', '/auth/mfa/totp', {
      token: user.access_token,
      body: { password: user.password, code: user.recoveryCodes[0] },
    });
    expect(off.status).toBe(204);
    const login = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(login.status).toBe(200);
    expect((await api.get('/auth/mfa', login.body.access_token)).body).toEqual({
      totp: { enabled: false, enabled_at: null },
      recovery_codes_remaining: 0,
    });
    expectError(
      await api.request('DELETE', '/auth/mfa/totp', {
        token: login.body.access_token,
        body: { password: user.password, code: '123456' },
      }),
      404,
      'not_found',
    );
  });

  it('answers every bad field with 400, and never leaks a secret into the audit trail', async () => {
    const user = await enrolledUser(api, 'mfa-bad-input');
    const challenge = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    const badCodes: unknown[] = [
      null,
      [],
      {},
      123456,
      true,
      '',
      '12345',
      '1234567',
      '12345a',
      'abcdefgh',
      'abcd-efgh-ijkl-mnop-q',
    ];
    const badStrings: unknown[] = [null, [], {}, 1, true, ''];
    const cases: Array<[string, unknown, string | undefined]> = [];
    for (const value of badCodes)
      cases.push(
        [
          '/auth/login/mfa',
          { mfa_token: challenge.body.mfa_token, code: value },
          undefined,
        ],
        [
          '/auth/login',
          { username: user.username, password: user.password, otp: value },
          undefined,
        ],
        ['/auth/mfa/totp/confirm', { code: value }, user.access_token],
        ['/auth/mfa/recovery-codes', { code: value }, user.access_token],
        ['/auth/step-up', { code: value }, user.access_token],
      );
    for (const value of [...badStrings, 'x'.repeat(200)])
      cases.push([
        '/auth/login/mfa',
        { mfa_token: value, code: '123456' },
        undefined,
      ]);
    for (const value of badStrings)
      cases.push(
        ['/auth/mfa/totp', { password: value }, user.access_token],
        [
          '/auth/login/mfa',
          {
            mfa_token: challenge.body.mfa_token,
            code: '123456',
            device_token: value === '' ? null : value,
          },
          undefined,
        ],
      );
    for (const [path, body, token] of cases) {
      const response = await api.post(path, body, token);
      expect([path, body, response.status, response.body?.code]).toEqual([
        path,
        body,
        400,
        'validation_error',
      ]);
    }
    for (const body of [null, [], 'text', 42])
      expect((await api.post('/auth/login/mfa', body)).status).toBe(400);
    expect(
      (
        await api.request('DELETE', '/auth/mfa/totp', {
          token: user.access_token,
          body: { password: user.password, code: null },
        })
      ).status,
    ).toBe(400);
    // Nothing above was a guess: the mfa_token still works.
    expect(
      (
        await api.post('/auth/login/mfa', {
          mfa_token: challenge.body.mfa_token,
          code: await user.app.next(),
        })
      ).status,
    ).toBe(200);

    // What was sent in this suite, right or wrong, the audit trail holds none of it.
    const admin = await api.adminToken();
    let trail = '';
    await waitFor(async () => {
      trail = JSON.stringify(
        (await api.get('/admin/audit?limit=200', admin)).body,
      );
      return trail.includes('mfa_failed');
    }, 5000);
    expect(trail).not.toContain(challenge.body.mfa_token);
    expect(trail).not.toContain(user.app.totp.secret.base32);
    for (const code of user.recoveryCodes) expect(trail).not.toContain(code);
  });
});

describe.each(DRIVERS)('second-factor budgets on $name', (driver) => {
  const api = useTestApp(driver, { RATE_LIMIT_LOGIN_MAX: '4' });

  // In this order: the failures of the second use up the address's budget too.
  it('gives the slot back for a right code, so a trader who types it right never runs out', async () => {
    const user = await enrolledUser(api, 'mfa-budget-ok');
    for (let i = 0; i < 5; i++) {
      const login = await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: user.recoveryCodes[i],
      });
      expect(login.status).toBe(200);
    }
  });

  it('charges wrong codes to the account budget: past it, 429 with Retry-After, even for the right code', async () => {
    const user = await enrolledUser(api, 'mfa-budget');
    // Three wrong codes through the mfa_token, one in one step: four failures.
    const { body } = await api.post('/auth/login', {
      username: user.username,
      password: user.password,
    });
    for (let i = 0; i < 3; i++)
      expectError(
        await api.post('/auth/login/mfa', {
          mfa_token: body.mfa_token,
          code: user.app.wrong(),
        }),
        401,
        'mfa_invalid',
      );
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
        otp: user.app.wrong(),
      }),
      401,
      'mfa_invalid',
    );
    const refused = await api.post('/auth/login/mfa', {
      mfa_token: body.mfa_token,
      code: await user.app.next(),
    });
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The password is refused now too: codes and passwords share the budget.
    expectError(
      await api.post('/auth/login', {
        username: user.username,
        password: user.password,
      }),
      429,
      'rate_limited',
    );
  });
});
