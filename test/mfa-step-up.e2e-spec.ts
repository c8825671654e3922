import { DataSource } from 'typeorm';
import { Authenticator } from './support/authenticator';
import { DRIVERS } from './support/databases';
import { OrdersModule } from './fixtures/orders.module';
import { ApiResponse, TestApp, useTestApp } from './support/test-app';

jest.setTimeout(120_000);

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

function expectError(response: ApiResponse, status: number, code: string) {
  expect([response.status, response.body]).toEqual([
    status,
    expect.objectContaining({ error: expect.any(String), code }),
  ]);
}

/** A user with the factor on, logged in with a code (tokens with `otp` in amr). */
async function enrolled(api: TestApp, username: string, tier = 2) {
  const password = 'password-of-' + username;
  const user = await api.createUser(username, tier, password);
  const started = await api.post(
    '/auth/mfa/totp',
    { password },
    user.access_token,
  );
  const app = new Authenticator(started.body.otpauth_uri);
  const confirmed = await api.post(
    '/auth/mfa/totp/confirm',
    { code: await app.next() },
    user.access_token,
  );
  expect(confirmed.status).toBe(200);
  const login = await api.post('/auth/login', {
    username,
    password,
    otp: await app.next(),
  });
  expect(login.status).toBe(200);
  return {
    id: user.id,
    username,
    password,
    app,
    recoveryCodes: confirmed.body.recovery_codes as string[],
    access_token: login.body.access_token as string,
    refresh_token: login.body.refresh_token as string,
  };
}

/**
 * Time passing for a session: its last authentication moves `seconds` into
 * the past (as if the login were that old), and a refresh brings a token
 * that says so. A refresh is not an authentication: it keeps auth_time.
 */
async function ageSession(
  api: TestApp,
  userId: number,
  refreshToken: string,
  seconds: number,
): Promise<string> {
  await api.app
    .get(DataSource)
    .query(
      'UPDATE refresh_tokens SET auth_time = auth_time - ? WHERE user_id = ?',
      [seconds * 1000, userId],
    );
  const refreshed = await api.post('/auth/refresh', {
    refresh_token: refreshToken,
  });
  expect(refreshed.status).toBe(200);
  return refreshed.body.access_token;
}

describe.each(DRIVERS)('step-up and @RequireMfa on $name', (driver) => {
  const api = useTestApp(driver, {}, [OrdersModule]);

  it('lets a fresh second factor through @RequireMfa({ maxAge: 300 }), and asks an old one to step up', async () => {
    const user = await enrolled(api, 'su-trader');
    const ok = await api.post('/orders/withdrawals', {}, user.access_token);
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ owner: 'su-trader', withdrawal: 'pending' });

    // Ten minutes later (a refresh keeps amr and the old auth_time).
    const before = claimsOf(user.access_token);
    const old = await ageSession(api, user.id, user.refresh_token, 600);
    const oldClaims = claimsOf(old);
    expect(oldClaims.amr).toEqual(['pwd', 'otp']);
    expect(oldClaims.auth_time).toBe((before.auth_time as number) - 600);
    const me = await api.get('/auth/me', old);
    expect(me.body.auth_time).toBe(oldClaims.auth_time);

    const refused = await api.post('/orders/withdrawals', {}, old);
    expectError(refused, 401, 'insufficient_user_authentication');
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", max_age=300',
    );

    expectError(
      await api.post('/auth/step-up', { code: user.app.wrong() }, old),
      401,
      'mfa_invalid',
    );
    const stepped = await api.post(
      '/auth/step-up',
      { code: await user.app.next() },
      old,
    );
    expect(stepped.status).toBe(200);
    expect(Object.keys(stepped.body).sort()).toEqual([
      'access_expires_at',
      'access_token',
    ]);
    const fresh = claimsOf(stepped.body.access_token);
    expect(fresh.sid).toBe(oldClaims.sid);
    expect(fresh.amr).toEqual(['pwd', 'otp']);
    expect(
      Math.abs((fresh.auth_time as number) - Date.now() / 1000),
    ).toBeLessThan(60);
    expect(
      (await api.post('/orders/withdrawals', {}, stepped.body.access_token))
        .status,
    ).toBe(201);

    // The step-up is the session's: the next refresh carries it.
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: user.refresh_token,
    });
    expect(claimsOf(refreshed.body.access_token).auth_time).toBe(
      fresh.auth_time,
    );

    // A recovery code steps up too.
    expect(
      (await api.post('/auth/step-up', { code: user.recoveryCodes[0] }, old))
        .status,
    ).toBe(200);
  });

  it('refuses a password-only session of a user without a factor (403), and any API key (403 session_required)', async () => {
    const plain = await api.createUser('su-plain', 2);
    expectError(
      await api.post('/orders/withdrawals', {}, plain.access_token),
      403,
      'mfa_enrollment_required',
    );
    expectError(
      await api.post('/auth/step-up', { code: '123456' }, plain.access_token),
      403,
      'mfa_enrollment_required',
    );
    // Other routes of the module are not affected.
    expect((await api.get('/orders', plain.access_token)).status).toBe(200);

    const user = await enrolled(api, 'su-keyed', 2);
    const created = await api.post(
      '/auth/api-keys',
      { name: 'bot', permission_tier: 2, password: user.password },
      user.access_token,
    );
    expect(created.status).toBe(201);
    const withKey = await api.request('POST', '/orders/withdrawals', {
      body: {},
      headers: { 'x-api-key': created.body.key },
    });
    expectError(withKey, 403, 'session_required');
    expectError(
      await api.request('POST', '/auth/step-up', {
        body: { code: '123456' },
        headers: { 'x-api-key': created.body.key },
      }),
      403,
      'session_required',
    );
  });

  it('asks for a code or a recent step-up to create an API key', async () => {
    const user = await enrolled(api, 'su-key-maker', 2);
    const old = await ageSession(api, user.id, user.refresh_token, 600);
    const body = { name: 'bot', permission_tier: 2, password: user.password };
    const refused = await api.post('/auth/api-keys', body, old);
    expectError(refused, 401, 'insufficient_user_authentication');
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", max_age=300',
    );
    expectError(
      await api.post(
        '/auth/api-keys',
        { ...body, code: user.app.wrong() },
        old,
      ),
      401,
      'mfa_invalid',
    );
    expect(
      (
        await api.post(
          '/auth/api-keys',
          { ...body, code: user.recoveryCodes[0] },
          old,
        )
      ).status,
    ).toBe(201);
    // The wrong password is still the first answer, whatever the code.
    expectError(
      await api.post(
        '/auth/api-keys',
        { ...body, password: 'wrong-password', code: '123456' },
        old,
      ),
      401,
      'invalid_credentials',
    );
    // Within five minutes of a login with a code, no code is needed.
    expect(
      (await api.post('/auth/api-keys', body, user.access_token)).status,
    ).toBe(201);
  });
});
