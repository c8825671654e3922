import { UserAdministrationService } from '../src/admin/user-administration.service';
import { NO_CLIENT } from '../src/common/client-info';
import { UsersService } from '../src/users/users.service';
import { DRIVERS, TestDatabase } from './support/databases';
import { ADMIN, TestApp } from './support/test-app';

describe.each(DRIVERS)('admin safety on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeEach(async () => {
    db = await driver.create();
    api = await TestApp.start(db);
  });

  afterEach(async () => {
    await api.close();
    await db.drop();
  });

  const patch = (id: number, body: unknown, token: string) =>
    api.request('PATCH', `/admin/users/${id}`, { body, token });

  async function enabledAdmins(token: string): Promise<string[]> {
    const list = await api.get('/admin/users?per_page=100', token);
    return (
      list.body.items as Array<{
        username: string;
        permission_tier: number;
        disabled: boolean;
      }>
    )
      .filter((user) => user.permission_tier === 4 && !user.disabled)
      .map((user) => user.username);
  }

  it('the last admin can neither demote nor disable themselves: 409 conflict, nothing changed', async () => {
    const token = await api.adminToken();
    const me = (await api.get('/auth/me', token)).body;
    for (const body of [
      { permission_tier: 3 },
      { disabled: true },
      { permission_tier: 1, disabled: true, password: 'new-password-1' },
    ]) {
      const response = await patch(me.id, body, token);
      expect(response.status).toBe(409);
      expect(response.body).toEqual({
        error: expect.stringContaining('no enabled admin'),
        code: 'conflict',
      });
    }
    // Nothing was applied: the token still works, the password is the old one.
    expect((await api.get('/auth/me', token)).body.permission_tier).toBe(4);
    await api.login(ADMIN.username, ADMIN.password);
    expect(await enabledAdmins(token)).toEqual([ADMIN.username]);
  });

  it('an admin may step down while another enabled admin remains; the last one then may not', async () => {
    const root = await api.adminToken();
    const second = await api.createUser('second-admin', 4);
    const rootId = (await api.get('/auth/me', root)).body.id;
    // A disabled admin does not count.
    const dormant = await api.createUser('dormant-admin', 4);
    expect((await patch(dormant.id, { disabled: true }, root)).status).toBe(
      200,
    );

    expect((await patch(rootId, { permission_tier: 2 }, root)).status).toBe(
      200,
    );
    expect(await enabledAdmins(second.access_token)).toEqual(['second-admin']);
    const last = await patch(
      second.id,
      { disabled: true },
      second.access_token,
    );
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('conflict');
    // Re-enabling a disabled admin, or promoting someone, is always allowed.
    expect(
      (await patch(dormant.id, { disabled: false }, second.access_token))
        .status,
    ).toBe(200);
    expect(
      (await patch(second.id, { permission_tier: 3 }, second.access_token))
        .status,
    ).toBe(200);
  });

  it('two admins demoting each other at once leave at least one enabled admin', async () => {
    const root = await api.adminToken();
    const rootId = (await api.get('/auth/me', root)).body.id;
    const other = await api.createUser('other-admin', 4);
    const answers = await Promise.all([
      patch(other.id, { permission_tier: 1 }, root),
      patch(rootId, { disabled: true }, other.access_token),
    ]);
    // Never both: either one was refused (409), or the first finished first
    // and revoked the other's token (401).
    expect(
      answers.filter((answer) => answer.status === 200).length,
    ).toBeLessThanOrEqual(1);
    const fresh = await api
      .login(ADMIN.username, ADMIN.password)
      .catch(() => api.login('other-admin', 'password-of-other-admin'));
    expect((await enabledAdmins(fresh.access_token)).length).toBeGreaterThan(0);
  });

  it('two demotions that both pass the first check: the later look undoes its own change (service level, interleaved)', async () => {
    const root = await api.adminToken();
    const rootId = (await api.get('/auth/me', root)).body.id;
    const other = await api.createUser('other-admin', 4);
    const admin = api.app.get(UserAdministrationService);
    // Started together in one process, the two updates interleave at every
    // database call, so both see the other admin in their first check.
    const results = await Promise.allSettled([
      admin.update(rootId, { permission_tier: 1 }, NO_CLIENT),
      admin.update(other.id, { disabled: true }, NO_CLIENT),
    ]);
    expect(results.map((result) => result.status)).toContain('rejected');
    for (const result of results) {
      if (result.status === 'rejected') {
        expect((result.reason as { code?: string }).code).toBe('conflict');
      }
    }
    expect(
      await api.app.get(UsersService).countActiveAdminsExcept(-1),
    ).toBeGreaterThan(0);
  });
});
