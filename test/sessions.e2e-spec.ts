import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Session } from '../src/sessions/entities/session.entity';
import { DRIVERS, TestDatabase } from './support/databases';
import {
  LoginBody,
  sleep,
  TestApp,
  useTestApp,
  waitFor,
} from './support/test-app';
import { WsClient } from './support/ws-client';

const AGENT = 'SessionsTest/1.0 (desk 7)';

/** Logs in with a chosen User-Agent. */
async function loginAs(
  api: TestApp,
  username: string,
  password: string,
  agent = AGENT,
): Promise<LoginBody> {
  const response = await api.request<LoginBody>('POST', '/auth/login', {
    body: { username, password },
    headers: { 'user-agent': agent },
  });
  expect(response.status).toBe(200);
  return response.body;
}

function del(api: TestApp, path: string, token: string) {
  return api.request('DELETE', path, { token });
}

/** The session id is the public half of the refresh token. */
const sessionIdOf = (login: LoginBody) => login.refresh_token.split('.')[0];

describe.each(DRIVERS)('sessions on $name', (driver) => {
  const api = useTestApp(driver);

  it('lists the caller’s live sessions, newest first, marking the current one', async () => {
    const user = await api.createUser('lister', 2, 'lister-password');
    const desk = await loginAs(api, 'lister', 'lister-password', 'Desk/1');
    const phone = await loginAs(api, 'lister', 'lister-password', 'Phone/2');
    const response = await api.get('/auth/sessions', phone.access_token);
    expect(response.status).toBe(200);
    const items = response.body.items;
    expect(items.map((s: any) => s.id)).toEqual([
      sessionIdOf(phone),
      sessionIdOf(desk),
      sessionIdOf(user),
    ]);
    expect(items[0]).toEqual({
      id: sessionIdOf(phone),
      created_at: expect.any(Number),
      last_used_at: expect.any(Number),
      ip: '127.0.0.1',
      user_agent: 'Phone/2',
      current: true,
    });
    expect(items.filter((s: any) => s.current)).toHaveLength(1);
    expect(items[1]).toMatchObject({ user_agent: 'Desk/1', current: false });
    // No hash or secret leaves the server.
    expect(response.text).not.toContain(phone.refresh_token.split('.')[1]);
  });

  it('moves last_used_at and the User-Agent on at refresh', async () => {
    await api.createUser('toucher', 2, 'toucher-password');
    const login = await loginAs(api, 'toucher', 'toucher-password', 'Old/1');
    // Its last use a minute earlier, so the refresh's shows in whole seconds.
    await api.app
      .get(DataSource)
      .query(
        'UPDATE refresh_tokens SET last_used_at = last_used_at - 60000 WHERE id = ?',
        [sessionIdOf(login)],
      );
    const before = (await api.get('/auth/sessions', login.access_token)).body
      .items[0];
    const refreshed = await api.request('POST', '/auth/refresh', {
      body: { refresh_token: login.refresh_token },
      headers: { 'user-agent': 'New/2' },
    });
    expect(refreshed.status).toBe(200);
    const after = (await api.get('/auth/sessions', login.access_token)).body
      .items[0];
    expect(after.user_agent).toBe('New/2');
    expect(after.last_used_at).toBeGreaterThan(before.last_used_at);
    expect(after.created_at).toBe(before.created_at);
    // Written behind the request: the row itself follows within a moment,
    // for the other instances and for a restart.
    const stored = async () => {
      const [row] = await api.app
        .get(DataSource)
        .query<{ last_used_at: number | string; user_agent: string }[]>(
          'SELECT last_used_at, user_agent FROM refresh_tokens WHERE id = ?',
          [sessionIdOf(login)],
        );
      return row;
    };
    await waitFor(async () => (await stored()).user_agent === 'New/2', 5_000);
    expect(Math.floor(Number((await stored()).last_used_at) / 1000)).toBe(
      after.last_used_at,
    );
  });

  it('writes the uses of several sessions together, and never moves a later use back', async () => {
    await api.createUser('toucher-many', 2, 'toucher-many-password');
    const logins: LoginBody[] = [];
    for (let i = 0; i < 3; i++)
      logins.push(
        await loginAs(api, 'toucher-many', 'toucher-many-password', 'Old/1'),
      );
    const data = api.app.get(DataSource);
    // Another instance already wrote a use of the first session an hour
    // ahead: this instance's older use must not replace it.
    const later = Date.now() + 3_600_000;
    await data.query(
      "UPDATE refresh_tokens SET last_used_at = ?, user_agent = 'Later/9' WHERE id = ?",
      [later, sessionIdOf(logins[0])],
    );
    for (const [i, login] of logins.entries()) {
      const refreshed = await api.request('POST', '/auth/refresh', {
        body: { refresh_token: login.refresh_token },
        headers: { 'user-agent': `New/${i}` },
      });
      expect(refreshed.status).toBe(200);
    }
    const stored = async () =>
      data.query<
        { id: string; last_used_at: number | string; user_agent: string }[]
      >(
        'SELECT id, last_used_at, user_agent FROM refresh_tokens WHERE user_id = (SELECT id FROM users WHERE username = ?)',
        ['toucher-many'],
      );
    const agentOf = async (login: LoginBody) =>
      (await stored()).find((row) => row.id === sessionIdOf(login))?.user_agent;
    // Uses are written in the order they came, so once the last one is in,
    // so is the first.
    await waitFor(async () => (await agentOf(logins[2])) === 'New/2', 5_000);
    const rows = await stored();
    const row = (login: LoginBody) =>
      rows.find((r) => r.id === sessionIdOf(login))!;
    expect(row(logins[1]).user_agent).toBe('New/1');
    expect(row(logins[0]).user_agent).toBe('Later/9');
    expect(Number(row(logins[0]).last_used_at)).toBe(later);
  });

  it('deleting a session ends it everywhere, its socket included, and leaves the others alone', async () => {
    await api.createUser('ender', 2, 'ender-password');
    const keep = await loginAs(api, 'ender', 'ender-password');
    const doomed = await loginAs(api, 'ender', 'ender-password');
    const doomedSocket = await WsClient.open(api.wsUrl, doomed.access_token);
    const keptSocket = await WsClient.open(api.wsUrl, keep.access_token);

    const response = await del(
      api,
      `/auth/sessions/${sessionIdOf(doomed)}`,
      keep.access_token,
    );
    expect(response.status).toBe(204);
    expect(response.text).toBe('');

    const closed = await doomedSocket.closedWithin(5000);
    expect(closed.code).toBe(4002);
    expect((await api.get('/auth/me', doomed.access_token)).status).toBe(401);
    const refresh = await api.post('/auth/refresh', {
      refresh_token: doomed.refresh_token,
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toEqual({
      error: expect.any(String),
      code: 'refresh_token_invalid',
    });

    // The other session: its token, its refresh token and its socket still work.
    expect((await api.get('/auth/me', keep.access_token)).status).toBe(200);
    expect(
      (await api.post('/auth/refresh', { refresh_token: keep.refresh_token }))
        .status,
    ).toBe(200);
    expect(keptSocket.isClosed).toBe(false);
    const listed = await api.get('/auth/sessions', keep.access_token);
    expect(listed.body.items.map((s: any) => s.id)).not.toContain(
      sessionIdOf(doomed),
    );
    keptSocket.close();
  });

  it.each([
    [
      'an unknown id with 404 not_found',
      'AAAAAAAAAAAAAAAAAAAAAA',
      404,
      'not_found',
    ],
    [
      'a malformed id with 400 validation_error',
      'not-a-session!',
      400,
      'validation_error',
    ],
  ])('answers %s', async (_label, id, status, code) => {
    await api.createUser(`probe-${id.length}`, 2, 'probe-password');
    const login = await loginAs(api, `probe-${id.length}`, 'probe-password');
    const response = await del(
      api,
      `/auth/sessions/${encodeURIComponent(id)}`,
      login.access_token,
    );
    expect(response.status).toBe(status);
    expect(response.body).toEqual({
      error: expect.any(String),
      code,
    });
  });

  it('answers an over-long id with a 4xx error body, as for any over-long path parameter', async () => {
    const user = await api.createUser('probe-long', 2);
    const response = await del(
      api,
      `/auth/sessions/${'a'.repeat(300)}`,
      user.access_token,
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body).toEqual({
      error: expect.any(String),
      code: expect.any(String),
    });
  });

  it('answers another user’s session with 404 and leaves it alive', async () => {
    const victim = await api.createUser('victim', 2);
    const other = await api.createUser('other', 2);
    const response = await del(
      api,
      `/auth/sessions/${sessionIdOf(victim)}`,
      other.access_token,
    );
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
    expect((await api.get('/auth/me', victim.access_token)).status).toBe(200);
  });

  it('DELETE /auth/sessions ends every session but the current one', async () => {
    await api.createUser('sweeper', 2, 'sweeper-password');
    const a = await loginAs(api, 'sweeper', 'sweeper-password');
    const b = await loginAs(api, 'sweeper', 'sweeper-password');
    const current = await loginAs(api, 'sweeper', 'sweeper-password');
    const socket = await WsClient.open(api.wsUrl, a.access_token);
    const response = await del(api, '/auth/sessions', current.access_token);
    expect(response.status).toBe(204);
    expect((await socket.closedWithin(5000)).code).toBe(4002);
    for (const ended of [a, b]) {
      expect((await api.get('/auth/me', ended.access_token)).status).toBe(401);
      expect(
        (
          await api.post('/auth/refresh', {
            refresh_token: ended.refresh_token,
          })
        ).status,
      ).toBe(401);
    }
    const listed = await api.get('/auth/sessions', current.access_token);
    expect(listed.body.items.map((s: any) => s.id)).toEqual([
      sessionIdOf(current),
    ]);
  });

  it('DELETE /auth/sessions also ends sessions beyond the 500 newest (the listing’s page)', async () => {
    const user = await api.createUser('crowded', 2, 'crowded-password');
    // The attacker's session and the victim's are real logins. The 500 in
    // between only have to be newer live rows of the same user, which is
    // all a login writes; inserted here because 500 argon2 logins would take
    // most of a minute on this machine and prove nothing more.
    const attacker = await loginAs(api, 'crowded', 'crowded-password');
    const between = Date.now() + 1;
    await sleep(5);
    const sessions = api.app.get(DataSource).getRepository(Session);
    for (let chunk = 0; chunk < 500; chunk += 50)
      await sessions.insert(
        Array.from({ length: 50 }, () => ({
          id: randomBytes(16).toString('base64url'),
          userId: user.id,
          tokenHash: randomBytes(32).toString('hex'),
          createdAt: between,
          expiresAt: between + 3_600_000,
          revokedAt: null,
          sessionEpoch: 0,
          lastUsedAt: between,
          ip: '127.0.0.1',
          userAgent: AGENT,
          previousHash: null,
          rotatedAt: null,
          generation: 0,
        })),
      );
    await sleep(5);
    const victim = await loginAs(api, 'crowded', 'crowded-password');

    expect((await del(api, '/auth/sessions', victim.access_token)).status).toBe(
      204,
    );

    const me = await api.get('/auth/me', attacker.access_token);
    expect(me.status).toBe(401);
    expect(me.body).toEqual({
      error: expect.any(String),
      code: 'token_revoked',
    });
    const refreshed = await api.post('/auth/refresh', {
      refresh_token: attacker.refresh_token,
    });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.code).toBe('refresh_token_invalid');
    // The caller's own session goes on: its token, a refresh, the new token.
    expect((await api.get('/auth/me', victim.access_token)).status).toBe(200);
    const own = await api.post('/auth/refresh', {
      refresh_token: victim.refresh_token,
    });
    expect(own.status).toBe(200);
    expect((await api.get('/auth/me', own.body.access_token)).status).toBe(200);
    const listed = await api.get('/auth/sessions', victim.access_token);
    expect(listed.body.items.map((s: any) => s.id)).toEqual([
      sessionIdOf(victim),
    ]);
  });

  it('lets an admin list and end a user’s session, and no one else’s through that user', async () => {
    const target = await api.createUser('admin-target', 2);
    const bystander = await api.createUser('bystander', 2);
    const admin = await api.adminToken();
    const listed = await api.get(`/admin/users/${target.id}/sessions`, admin);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: sessionIdOf(target), current: false }),
    ]);
    const wrongUser = await del(
      api,
      `/admin/users/${target.id}/sessions/${sessionIdOf(bystander)}`,
      admin,
    );
    expect(wrongUser.status).toBe(404);
    const ended = await del(
      api,
      `/admin/users/${target.id}/sessions/${sessionIdOf(target)}`,
      admin,
    );
    expect(ended.status).toBe(204);
    expect((await api.get('/auth/me', target.access_token)).status).toBe(401);
    expect((await api.get('/auth/me', bystander.access_token)).status).toBe(
      200,
    );
    expect(
      (await api.get('/admin/users/99999/sessions', admin)).body.code,
    ).toBe('not_found');
    expect((await api.get('/admin/users/abc/sessions', admin)).status).toBe(
      400,
    );
    expect(
      (await api.get(`/admin/users/${target.id}/sessions`, target.access_token))
        .status,
    ).toBe(401);
    expect(
      (
        await api.get(
          `/admin/users/${target.id}/sessions`,
          bystander.access_token,
        )
      ).body.code,
    ).toBe('insufficient_tier');
  });

  it('keeps the spec’s refresh body when rotation is off', async () => {
    const user = await api.createUser('no-rotation', 2);
    const response = await api.post('/auth/refresh', {
      refresh_token: user.refresh_token,
    });
    expect(Object.keys(response.body).sort()).toEqual([
      'access_expires_at',
      'access_token',
    ]);
  });
});

describe.each(DRIVERS)('refresh-token rotation on $name', (driver) => {
  const api = useTestApp(driver, { REFRESH_ROTATION: 'on' });

  it('returns a new refresh token on every refresh, each usable once in turn', async () => {
    const user = await api.createUser('rotator', 2);
    let token = user.refresh_token;
    const seen = new Set([token]);
    for (let i = 0; i < 3; i++) {
      const response = await api.post('/auth/refresh', {
        refresh_token: token,
      });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual([
        'access_expires_at',
        'access_token',
        'refresh_token',
      ]);
      expect(response.body.refresh_token.split('.')[0]).toBe(sessionIdOf(user));
      expect(seen.has(response.body.refresh_token)).toBe(false);
      seen.add(response.body.refresh_token);
      token = response.body.refresh_token;
    }
  });

  it('answers 10 parallel refreshes with one token all with 200 and the same successor', async () => {
    const user = await api.createUser('parallel', 2);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post('/auth/refresh', { refresh_token: user.refresh_token }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const successors = new Set(responses.map((r) => r.body.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toBe(user.refresh_token);
    // The successor is the session's live token: it refreshes, and the
    // session was not ended by the retries.
    const next = await api.post('/auth/refresh', { refresh_token: successor });
    expect(next.status).toBe(200);
    expect((await api.get('/auth/me', user.access_token)).status).toBe(200);
  });
});

describe.each(DRIVERS)(
  'refresh-token reuse after the grace on $name',
  (driver) => {
    let db: TestDatabase;
    let api: TestApp;

    beforeAll(async () => {
      db = await driver.create();
      // No grace: any presentation of a retired token is reuse.
      api = await TestApp.start(db, {
        REFRESH_ROTATION: 'on',
        REFRESH_REUSE_GRACE_SECONDS: '0',
      });
    });

    afterAll(async () => {
      await api.close();
      await db.drop();
    });

    it.each([
      ['the retired parent', 1],
      ['an older ancestor', 3],
    ])(
      'treats %s as theft: the whole session ends at once and the event is recorded',
      async (_label, rotations) => {
        const name = `stolen-${rotations}`;
        const user = await api.createUser(name, 2);
        const other = await loginAs(api, name, `password-of-${name}`);
        let token = user.refresh_token;
        let access = user.access_token;
        for (let i = 0; i < rotations; i++) {
          const rotated = await api.post('/auth/refresh', {
            refresh_token: token,
          });
          expect(rotated.status).toBe(200);
          token = rotated.body.refresh_token;
          access = rotated.body.access_token;
        }
        const socket = await WsClient.open(api.wsUrl, access);
        await sleep(5); // past the (zero) grace, by the clock's millisecond

        const reused = await api.post('/auth/refresh', {
          refresh_token: user.refresh_token,
        });
        expect(reused.status).toBe(401);
        expect(reused.body).toEqual({
          error: expect.any(String),
          code: 'refresh_token_invalid',
        });
        // The holder of the current token is cut off too: it may be the thief.
        expect((await socket.closedWithin(5000)).code).toBe(4002);
        expect((await api.get('/auth/me', access)).status).toBe(401);
        expect((await api.get('/auth/me', user.access_token)).status).toBe(401);
        expect(
          (await api.post('/auth/refresh', { refresh_token: token })).status,
        ).toBe(401);
        // The user's other session is not touched.
        expect((await api.get('/auth/me', other.access_token)).status).toBe(
          200,
        );

        const admin = await api.adminToken();
        let events: any[] = [];
        await waitFor(async () => {
          events = (
            await api.get(
              `/admin/audit?type=refresh_token_reused&user_id=${user.id}`,
              admin,
            )
          ).body.items;
          return events.length === 1;
        }, 5000);
        expect(events[0]).toMatchObject({
          type: 'refresh_token_reused',
          user_id: user.id,
          ip: '127.0.0.1',
          detail: { session_id: sessionIdOf(user) },
        });
      },
    );

    /** Rotates `times` times from `token`; every token of the chain, oldest first. */
    async function rotations(token: string, times: number): Promise<string[]> {
      const chain = [token];
      for (let i = 0; i < times; i++) {
        const rotated = await api.post('/auth/refresh', {
          refresh_token: chain[chain.length - 1],
        });
        expect(rotated.status).toBe(200);
        chain.push(rotated.body.refresh_token);
      }
      return chain;
    }

    it('recognises a token retired 40 rotations ago as reuse, and ends the session', async () => {
      const user = await api.createUser('stolen-long-ago', 2);
      const chain = await rotations(user.refresh_token, 40);
      const current = chain[chain.length - 1];
      await sleep(5);
      const reused = await api.post('/auth/refresh', {
        refresh_token: chain[0],
      });
      expect(reused.status).toBe(401);
      expect(reused.body.code).toBe('refresh_token_invalid');
      const after = await api.post('/auth/refresh', { refresh_token: current });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('refresh_token_invalid');
      expect((await api.get('/auth/me', user.access_token)).body.code).toBe(
        'token_revoked',
      );
    });

    it('refuses a wrong secret that carries a genuine proof, and ends nothing', async () => {
      const user = await api.createUser('proof-borrower', 2);
      const chain = await rotations(user.refresh_token, 3);
      const [id, , proof] = chain[0].split('.');
      const forged = `${id}.${randomBytes(32).toString('base64url')}.${proof}`;
      await sleep(5);
      const refused = await api.post('/auth/refresh', {
        refresh_token: forged,
      });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error: expect.any(String),
        code: 'refresh_token_invalid',
      });
      // Knowing a session id is not enough to end the session.
      expect(
        (
          await api.post('/auth/refresh', {
            refresh_token: chain[chain.length - 1],
          })
        ).status,
      ).toBe(200);
    });

    it('takes tokens issued before generation proofs: the current one rotates, the parent is reuse, older ones are refused', async () => {
      // A token of the old format is this one without its proof: the secret
      // chain is unchanged.
      const legacy = (token: string) => token.split('.').slice(0, 2).join('.');
      const user = await api.createUser('pre-proof', 2);
      const chain = await rotations(user.refresh_token, 3);
      await sleep(5);
      const older = await api.post('/auth/refresh', {
        refresh_token: legacy(chain[0]),
      });
      expect(older.status).toBe(401);
      expect(older.body.code).toBe('refresh_token_invalid');
      const rotated = await api.post('/auth/refresh', {
        refresh_token: legacy(chain[3]),
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token.split('.')).toHaveLength(3);
      await sleep(5);
      const parent = await api.post('/auth/refresh', {
        refresh_token: legacy(chain[3]),
      });
      expect(parent.status).toBe(401);
      expect(
        (
          await api.post('/auth/refresh', {
            refresh_token: rotated.body.refresh_token,
          })
        ).status,
      ).toBe(401);
    });
  },
);

describe.each(DRIVERS)('REFRESH_IDLE_TTL on $name', (driver) => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await driver.create();
    api = await TestApp.start(db, { REFRESH_IDLE_TTL: '60' });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('treats a session unused for that long as dead, and leaves a used one alone', async () => {
    await api.createUser('idler', 2, 'idler-password');
    const idle = await loginAs(api, 'idler', 'idler-password');
    const active = await loginAs(api, 'idler', 'idler-password');
    // Age the idle session's last use past the limit, as an hour of silence would.
    await api.app
      .get(DataSource)
      .query('UPDATE refresh_tokens SET last_used_at = ? WHERE id = ?', [
        Date.now() - 61_000,
        sessionIdOf(idle),
      ]);
    const refused = await api.post('/auth/refresh', {
      refresh_token: idle.refresh_token,
    });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('refresh_token_invalid');
    expect(
      (await api.post('/auth/refresh', { refresh_token: active.refresh_token }))
        .status,
    ).toBe(200);
    const listed = await api.get('/auth/sessions', active.access_token);
    expect(listed.body.items.map((s: any) => s.id)).not.toContain(
      sessionIdOf(idle),
    );
    expect(listed.body.items.map((s: any) => s.id)).toContain(
      sessionIdOf(active),
    );
  });
});
