import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../src/database/data-source-options';
import { DRIVERS } from './support/databases';
import { TestApp, useTestApp } from './support/test-app';

describe.each(DRIVERS)('foundation on $name', (driver) => {
  const api = useTestApp(driver);

  it('GET /health answers 200 {"status":"ok"} without a token', async () => {
    const response = await api.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('keeps an idle connection for Fastify’s 72 s, not Node’s 5 s', async () => {
    // The server comes from our serverFactory; Fastify's timeouts must
    // still reach it (they did not, once: keep-alive was 5 s and the
    // request timeout 300 s instead of 30 s).
    const response = await api.get('/health');
    expect(response.headers.get('keep-alive')).toBe('timeout=72');
  });

  it('creates the tables with their indexes through migrations', async () => {
    const runner = api.app.get(DataSource).createQueryRunner();
    try {
      for (const [table, columns] of Object.entries({
        users: [
          'id',
          'username',
          'password_hash',
          'permission_tier',
          'disabled',
          'token_version',
          'tokens_revoked_at',
          'created_at',
          'session_epoch',
        ],
        refresh_tokens: [
          'id',
          'user_id',
          'token_hash',
          'created_at',
          'expires_at',
          'revoked_at',
          'session_epoch',
          'last_used_at',
          'ip',
          'user_agent',
          'previous_hash',
          'rotated_at',
          'generation',
          'amr',
          'auth_time',
        ],
        auth_events: [
          'id',
          'type',
          'user_id',
          'actor_id',
          'ip',
          'user_agent',
          'at',
          'detail',
        ],
        blocklisted_jtis: ['jti', 'user_id', 'expires_at', 'created_at'],
        revocation_events: [
          'id',
          'kind',
          'subject',
          'user_id',
          'token_version',
          'expires_at',
          'created_at',
        ],
        device_tokens: [
          'id',
          'user_id',
          'token_hash',
          'created_at',
          'expires_at',
        ],
      })) {
        const found = await runner.getTable(table);
        expect(found?.columns.map((column) => column.name).sort()).toEqual(
          [...columns].sort(),
        );
      }
      const users = await runner.getTable('users');
      expect(
        users?.indices.find((index) => index.name === 'users_username_uq')
          ?.isUnique,
      ).toBe(true);
      const blocklist = await runner.getTable('blocklisted_jtis');
      expect(blocklist?.indices.map((index) => index.name).sort()).toEqual([
        'blocklisted_jtis_created_at_idx',
        'blocklisted_jtis_expires_at_idx',
      ]);
      const events = await runner.getTable('auth_events');
      expect(events?.indices.map((index) => index.name).sort()).toEqual([
        'auth_events_at_idx',
        'auth_events_type_idx',
        'auth_events_user_id_idx',
      ]);
      const migrations = await api.app
        .get(DataSource)
        .query('SELECT name FROM migrations');
      expect(migrations).toEqual(
        MIGRATIONS.map((migration) => ({ name: migration.name })),
      );
    } finally {
      await runner.release();
    }
  });

  it('compares identifiers byte for byte (a binary collation on MySQL)', async () => {
    const dataSource = api.app.get(DataSource);
    if (driver.name === 'mysql') {
      const rows: { t: string; c: string; collation: string }[] =
        await dataSource.query(
          `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation
             FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE()
              AND (TABLE_NAME, COLUMN_NAME) IN (('users', 'username'),
                ('refresh_tokens', 'id'), ('refresh_tokens', 'token_hash'),
                ('refresh_tokens', 'previous_hash'),
                ('blocklisted_jtis', 'jti'), ('device_tokens', 'id'),
                ('device_tokens', 'token_hash'))`,
        );
      expect(rows).toHaveLength(7);
      for (const row of rows)
        expect(row).toMatchObject({ collation: 'utf8mb4_bin' });
    }
    await dataSource.query(
      `INSERT INTO users (username, password_hash, permission_tier, disabled, token_version, created_at)
       VALUES ('kevin', 'x', 1, 0, 0, 0)`,
    );
    // (utf8mb4_bin is a PAD SPACE collation: `kevin ` would still match at
    // this level. Login trims and checks the username rule before any query,
    // and token ids are matched by format first, so no trailing space
    // reaches a query.)
    for (const spelling of ['kévin', 'KEVIN', 'KÉVIN', 'kevín'])
      expect(
        await dataSource.query('SELECT id FROM users WHERE username = ?', [
          spelling,
        ]),
      ).toEqual([]);
    await dataSource.query(`DELETE FROM users WHERE username = 'kevin'`);
  });

  it.each([
    [
      'malformed JSON',
      { 'content-type': 'application/json' },
      '{"username": ',
      400,
      'validation_error',
    ],
    [
      'an empty JSON body',
      { 'content-type': 'application/json' },
      '',
      400,
      'validation_error',
    ],
    [
      'a wrong content type',
      { 'content-type': 'text/plain' },
      'username=a',
      400,
      'validation_error',
    ],
    [
      'a form body',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'username=a&password=b',
      400,
      'validation_error',
    ],
    [
      'an oversized body',
      { 'content-type': 'application/json' },
      JSON.stringify({ username: 'x'.repeat(20_000), password: 'y' }),
      413,
      'payload_too_large',
    ],
  ])(
    'answers %s with the documented status and exactly {error, code}',
    async (_name, headers, raw, status, code) => {
      const response = await api.request('POST', '/auth/login', {
        headers,
        raw,
      });
      expect(response.status).toBe(status);
      expect(Object.keys(response.body).sort()).toEqual(['code', 'error']);
      expect(response.body.code).toBe(code);
      expect(typeof response.body.error).toBe('string');
    },
  );

  it('answers an unknown route with 404 not_found', async () => {
    const response = await api.get('/no/such/route');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: 'Resource not found',
      code: 'not_found',
    });
  });

  it('names the bad field of an invalid body', async () => {
    const response = await api.post('/auth/login', {
      username: 'someone',
      password: 42,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'password must be a string',
      code: 'validation_error',
    });
  });
});

describe.each(DRIVERS)('health without a database on $name', (driver) => {
  it('answers 503 service_unavailable once the database is gone', async () => {
    const db = await driver.create();
    const api = await TestApp.start(db);
    try {
      await api.app.get(DataSource).destroy();
      const response = await api.get('/health');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        error: 'Database is unavailable',
        code: 'service_unavailable',
      });
    } finally {
      await api.close().catch(() => undefined);
      await db.drop();
    }
  });
});
