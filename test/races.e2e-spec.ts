import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOGIN_HOOK, LoginHook } from '../src/auth/services/login-hook';
import type { User } from '../src/users/entities/user.entity';
import { DRIVERS, TestDatabase } from './support/databases';
import { ApiResponse, LoginBody, TestApp, waitFor } from './support/test-app';

/** Holds the login of one username between its password check and its session insert. */
class LoginGate implements LoginHook {
  private held?: { username: string; reached: boolean; release: () => void };
  private releasePromise?: Promise<void>;

  /** Arms the gate for the next login of `username`. */
  arm(username: string): void {
    let release!: () => void;
    this.releasePromise = new Promise<void>((resolve) => (release = resolve));
    this.held = { username, reached: false, release };
  }

  get reached(): boolean {
    return this.held?.reached ?? false;
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  async beforeSessionInsert(user: User): Promise<void> {
    if (this.held?.username !== user.username || this.held.reached) return;
    this.held.reached = true;
    await this.releasePromise;
  }
}

const gate = new LoginGate();

@Global()
@Module({
  providers: [{ provide: LOGIN_HOOK, useValue: gate }],
  exports: [LOGIN_HOOK],
})
class LoginGateModule {}

describe.each(DRIVERS)('races and atomicity on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;
  let admin: string;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, {}, [LoginGateModule]);
    admin = await api.adminToken();
  });

  afterAll(async () => {
    gate.release();
    await api.close();
    await db.drop();
  });

  /** Starts a login, holds it after its password check, runs `change`, then lets the login finish. */
  async function loginAcross(
    username: string,
    password: string,
    change: () => Promise<ApiResponse>,
  ): Promise<LoginBody> {
    gate.arm(username);
    const login = api.post<LoginBody>('/auth/login', { username, password });
    await waitFor(() => gate.reached, 10_000, 5);
    const changed = await change();
    expect(changed.status).toBeLessThan(300);
    gate.release();
    const response = await login;
    // The password was right when it was checked: the login itself succeeds.
    expect(response.status).toBe(200);
    return response.body;
  }

  it.each([
    [
      'a password change',
      (id: number) =>
        api.request('PATCH', `/admin/users/${id}`, {
          body: { password: 'a-new-password-1' },
          token: admin,
        }),
    ],
    [
      'a disable (and a re-enable after it)',
      async (id: number) => {
        const disabled = await api.request('PATCH', `/admin/users/${id}`, {
          body: { disabled: true },
          token: admin,
        });
        expect(disabled.status).toBe(200);
        return api.request('PATCH', `/admin/users/${id}`, {
          body: { disabled: false },
          token: admin,
        });
      },
    ],
    [
      'a revoke-all',
      (id: number) =>
        api.request('DELETE', `/admin/users/${id}/sessions`, { token: admin }),
    ],
  ])(
    'a login held across %s cannot refresh the session it opened',
    async (name, change) => {
      const username = `racer-${name.split(' ')[1]}`;
      const user = await api.createUser(username, 2);
      const raced = await loginAcross(username, `password-of-${username}`, () =>
        change(user.id),
      );
      const refreshed = await api.post('/auth/refresh', {
        refresh_token: raced.refresh_token,
      });
      expect(refreshed.status).toBe(401);
      expect(refreshed.body).toEqual({
        error: expect.any(String),
        code: 'refresh_token_invalid',
      });
      expect((await api.get('/auth/me', raced.access_token)).status).toBe(401);
    },
  );

  it('a tier change does not end sessions: the raced login refreshes onto the new tier', async () => {
    const user = await api.createUser('racer-tier', 3);
    const raced = await loginAcross(
      'racer-tier',
      'password-of-racer-tier',
      () =>
        api.request('PATCH', `/admin/users/${user.id}`, {
          body: { permission_tier: 1 },
          token: admin,
        }),
    );
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: raced.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect(
      (await api.get('/auth/me', refreshed.body.access_token)).body
        .permission_tier,
    ).toBe(1);
  });

  /** Runs a logout while `table` is briefly renamed away, so the step that writes it fails. */
  async function logoutWithout(table: string, token: string) {
    const dataSource = api.app.get(DataSource);
    await dataSource.query(`ALTER TABLE ${table} RENAME TO ${table}_away`);
    try {
      return await api.post('/auth/logout', undefined, token);
    } finally {
      await dataSource.query(`ALTER TABLE ${table}_away RENAME TO ${table}`);
    }
  }

  it('a logout that failed to revoke the session can be retried, and the retry ends the session', async () => {
    const user = await api.createUser('logout-retry', 2);
    expect(
      (await logoutWithout('refresh_tokens', user.access_token)).status,
    ).toBeGreaterThanOrEqual(500);
    const retry = await api.post('/auth/logout', undefined, user.access_token);
    expect(retry.status).toBe(204);
    expect(
      (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
        .body.code,
    ).toBe('refresh_token_invalid');
    expect((await api.get('/auth/me', user.access_token)).status).toBe(401);
  });

  it('a logout that failed to blocklist the access token left nothing half-done, and its retry ends the session', async () => {
    const user = await api.createUser('logout-half', 2);
    expect(
      (await logoutWithout('blocklisted_jtis', user.access_token)).status,
    ).toBeGreaterThanOrEqual(500);
    // One transaction: the session is not revoked without the blocklist row.
    expect((await api.get('/auth/me', user.access_token)).status).toBe(200);
    expect(
      (await api.post('/auth/logout', undefined, user.access_token)).status,
    ).toBe(204);
    expect(
      (await api.post('/auth/refresh', { refresh_token: user.refresh_token }))
        .body.code,
    ).toBe('refresh_token_invalid');
    expect((await api.get('/auth/me', user.access_token)).status).toBe(401);
  });
});
