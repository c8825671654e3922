import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadBetterSqlite3 } from '../src/database/better-sqlite3-driver';
import { DRIVERS, TestDatabase } from './support/databases';
import { JoseVerifier } from './support/jose-verifier';
import { RedisServer } from './support/redis-server';
import { ServerProcess } from './support/server-process';
import { ADMIN, waitFor } from './support/test-app';
import { WsClient } from './support/ws-client';

/**
 * Signing keys across three instances (real processes on one database and
 * one private Redis), checked by a verifier that uses only jose in a process
 * of its own: before, across and after a rotation the three instances race
 * to make, and after a key is revoked.
 */
jest.setTimeout(180_000);

const Database = loadBetterSqlite3();
const JWKS_MAX_AGE = 2;
const DAY_MS = 86_400_000;

function kidOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())
    .kid as string;
}

/** Runs SQL on the test database (the test's own hand on the table, as an operator's would be). */
async function sql(db: TestDatabase, statement: string): Promise<unknown[]> {
  if (db.url.startsWith('sqlite:')) {
    const sqlite = new Database(db.url.slice('sqlite:'.length));
    try {
      const prepared = sqlite.prepare(statement);
      if (prepared.reader) return prepared.all();
      prepared.run();
      return [];
    } finally {
      sqlite.close();
    }
  }
  const connection = await createConnection(db.url);
  try {
    const [rows] = await connection.query(statement);
    return Array.isArray(rows) ? rows : [];
  } finally {
    await connection.end();
  }
}

interface KeyRow {
  kid: string;
  slot: number;
}

const keyRows = async (db: TestDatabase) =>
  (
    (await sql(db, 'SELECT kid, slot FROM signing_keys ORDER BY slot')) as {
      kid: string;
      slot: number | string;
    }[]
  ).map((row): KeyRow => ({ kid: row.kid, slot: Number(row.slot) }));

function cli(
  env: Record<string, string>,
  args: string[],
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
      { env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe.each(DRIVERS)('signing keys across instances on $name', (driver) => {
  let db: TestDatabase;
  let redis: RedisServer;
  let servers: ServerProcess[];
  let env: Record<string, string>;
  let verifier: JoseVerifier;

  const login = async (server: ServerProcess) => {
    const response = await server.post('/auth/login', {
      username: ADMIN.username,
      password: ADMIN.password,
    });
    expect(response.status).toBe(200);
    return response.body as { access_token: string; refresh_token: string };
  };

  beforeAll(async () => {
    db = await driver.create();
    redis = await RedisServer.start();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      JWT_ALGORITHM: 'ES256',
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      JWKS_MAX_AGE: String(JWKS_MAX_AGE),
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    };
    // The first one runs the migrations and creates the admin; the other
    // two join it at once.
    const first = await ServerProcess.start(env);
    servers = [
      first,
      ...(await Promise.all([
        ServerProcess.start(env),
        ServerProcess.start(env),
      ])),
    ];
    verifier = JoseVerifier.start({
      jwksUrl: `${servers[0].url}/.well-known/jwks.json`,
      alg: 'ES256',
      cacheMs: JWKS_MAX_AGE * 1000,
    });
  });

  afterAll(async () => {
    verifier?.stop();
    await Promise.all((servers ?? []).map((server) => server.kill()));
    await redis?.kill();
    await db?.drop();
  });

  it('starts with one key, served alike by every instance', async () => {
    expect(await keyRows(db)).toHaveLength(1);
    const documents = await Promise.all(
      servers.map(async (server) =>
        (await fetch(`${server.url}/.well-known/jwks.json`)).json(),
      ),
    );
    expect(documents[1]).toEqual(documents[0]);
    expect(documents[2]).toEqual(documents[0]);
  });

  it('has jose verify tokens from two instances, before, across and after a rotation the three instances race to make; a revoked key then fails', async () => {
    const [first] = await keyRows(db);
    const before = [await login(servers[0]), await login(servers[1])];
    for (const { access_token } of before) {
      expect(kidOf(access_token)).toBe(first.kid);
      expect(await verifier.verify(access_token)).toEqual({
        ok: true,
        kid: first.kid,
        sub: expect.any(String),
      });
    }

    // The key is made 31 days old: every instance finds a rotation due at
    // its next reload, and all three try to make slot 2.
    await sql(
      db,
      `UPDATE signing_keys SET activated_at = activated_at - ${31 * DAY_MS}, created_at = created_at - ${31 * DAY_MS}, published_at = published_at - ${31 * DAY_MS}`,
    );
    await waitFor(async () => (await keyRows(db)).length > 1, 30_000, 100);
    const rotated = await keyRows(db);
    expect(rotated.map((key) => key.slot)).toEqual([1, 2]);
    const second = rotated[1];

    // Across: published at once (every instance), not signing yet.
    await waitFor(
      async () => {
        const all = await Promise.all(
          servers.map(async (server) =>
            (
              (await (
                await fetch(`${server.url}/.well-known/jwks.json`)
              ).json()) as { keys: { kid: string }[] }
            ).keys.map((key) => key.kid),
          ),
        );
        return all.every((kids) => kids.includes(second.kid));
      },
      10_000,
      100,
    );
    const during = await login(servers[1]);
    if (kidOf(during.access_token) === first.kid)
      expect(await verifier.verify(during.access_token)).toMatchObject({
        ok: true,
        kid: first.kid,
      });

    // After: both instances sign with the new key, which jose finds in the
    // JWKS it refetched; tokens of the old key still verify.
    let after: { access_token: string }[] = [];
    await waitFor(
      async () => {
        after = [await login(servers[0]), await login(servers[1])];
        return after.every((t) => kidOf(t.access_token) === second.kid);
      },
      20_000,
      250,
    );
    for (const { access_token } of [...after, ...before])
      expect(await verifier.verify(access_token)).toMatchObject({ ok: true });
    for (const server of servers)
      for (const { access_token } of [...after, ...before])
        expect((await server.get('/auth/me', access_token)).status).toBe(200);
    // However long the three instances run, slot 2 stays the one key made.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await keyRows(db)).map((key) => key.slot)).toEqual([1, 2]);

    // Revoked: out of every JWKS, its tokens refused by every instance
    // (token_revoked), the session refreshed onto the key that replaces it.
    const listed = await cli(env, ['keys:list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${second.kid}\t2\tES256\tcurrent`);
    expect(listed.stdout).toContain(`${first.kid}\t1\tES256\tprevious`);
    // A socket opened with a token of that key, on another instance than the CLI's Redis message reaches first.
    const socket = await WsClient.open(servers[2].wsUrl, after[0].access_token);
    const revoked = await cli(env, ['keys:revoke', second.kid]);
    expect(revoked).toMatchObject({ code: 0 });
    for (const server of servers)
      await waitFor(
        async () =>
          (await server.get('/auth/me', after[0].access_token)).body?.code ===
          'token_revoked',
        5_000,
        50,
      );
    expect((await socket.closedWithin(5_000)).code).toBe(4002);
    const third = (await keyRows(db))[2];
    expect(third.slot).toBe(3);
    const refreshed = await servers[2].post('/auth/refresh', {
      refresh_token: (after[0] as { refresh_token?: string }).refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.access_token)).toBe(third.kid);
    for (const server of servers)
      expect(
        (await server.get('/auth/me', refreshed.body.access_token)).status,
      ).toBe(200);
    // jose, once its cache has expired, no longer finds the revoked key.
    await new Promise((resolve) =>
      setTimeout(resolve, JWKS_MAX_AGE * 1000 + 500),
    );
    expect(await verifier.verify(after[0].access_token)).toEqual({
      ok: false,
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    expect(await verifier.verify(refreshed.body.access_token)).toMatchObject({
      ok: true,
      kid: third.kid,
    });
  });

  it('refuses to start when DATA_ENCRYPTION_KEY does not open the stored keys, and makes no new one', async () => {
    const keysBefore = await keyRows(db);
    const { code, output } = await ServerProcess.runToExit({
      ...env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      JWT_SECRET: 'another-secret-that-is-long-enough-0123456789abc',
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/signing key \S+ \(slot \d+\) does not open/);
    expect(await keyRows(db)).toEqual(keysBefore);
  });

  it('moves keys to a new DATA_ENCRYPTION_KEY with keys:reencrypt, the old one as _PREVIOUS', async () => {
    const next = randomBytes(32).toString('base64');
    const moved = await cli(
      {
        ...env,
        DATA_ENCRYPTION_KEY: next,
        DATA_ENCRYPTION_KEY_PREVIOUS: env.DATA_ENCRYPTION_KEY,
      },
      ['keys:reencrypt'],
    );
    expect(moved.stdout).toMatch(/^[1-9]\d* signing key\(s\) sealed again/);
    const again = await cli({ ...env, DATA_ENCRYPTION_KEY: next }, [
      'keys:reencrypt',
    ]);
    expect(again.stdout).toMatch(/^0 signing key\(s\)/);
    // An instance with only the new key starts and signs.
    const restarted = await ServerProcess.start({
      ...env,
      DATA_ENCRYPTION_KEY: next,
    });
    try {
      const token = (await login(restarted)).access_token;
      expect((await restarted.get('/auth/me', token)).status).toBe(200);
    } finally {
      await restarted.kill();
    }
  });
});
