import { createConnection } from 'mysql2/promise';
import { MIGRATIONS } from '../src/database/data-source-options';
import { migrationLockName } from '../src/database/migration-lock';
import { DRIVERS, TestDatabase } from './support/databases';
import { ServerProcess } from './support/server-process';
import { ADMIN, TEST_JWT_SECRET } from './support/test-app';
import { loadBetterSqlite3 } from '../src/database/better-sqlite3-driver';

// Not `import Database from 'better-sqlite3'`: that is the build that aborts
// Node 24 (see better-sqlite3-driver.ts).
const Database = loadBetterSqlite3();

/**
 * Replicas started at the same moment on a new database, as an orchestrator
 * starts them. They used to race through the migrations: one died with
 * `Table 'users' already exists`. Real processes, since the race is between
 * processes.
 */
jest.setTimeout(180_000);

const INSTANCES = 3;

/** Starts every instance at once; kills the ones that came up if any did not. */
async function startAtOnce(
  env: Record<string, string>,
  count: number,
): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => ServerProcess.start(env)),
  );
  const servers = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failures = started.flatMap((result) =>
    result.status === 'rejected' ? [String(result.reason)] : [],
  );
  if (failures.length > 0) {
    await Promise.all(servers.map((server) => server.kill()));
    throw new Error(
      `${failures.length} of ${count} did not start:\n${failures.join('\n')}`,
    );
  }
  return servers;
}

/** The `migrations: ran N` line of each instance's log, as N. */
function migrationsRun(server: ServerProcess): number[] {
  return server
    .output()
    .split('\n')
    .flatMap((line) => {
      const ran = /"msg":"migrations: ran (\d+)"/.exec(line);
      return ran ? [Number(ran[1])] : [];
    });
}

/**
 * Holds what an instance that is migrating holds (GET_LOCK on MySQL, the
 * write lock on SQLite) from a connection of the test's own, until released.
 */
async function holdMigrationLock(url: string): Promise<() => Promise<void>> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL'); // as the servers open it
    db.exec('BEGIN IMMEDIATE');
    return async () => {
      db.exec('ROLLBACK');
      db.close();
    };
  }
  const target = new URL(url);
  const connection = await createConnection(url);
  const name = migrationLockName(decodeURIComponent(target.pathname.slice(1)));
  await connection.query('SELECT GET_LOCK(?, 0)', [name]);
  return () => connection.end();
}

describe.each(DRIVERS)(
  'instances started at once on a new $name database',
  (driver) => {
    let db: TestDatabase;
    let servers: ServerProcess[] = [];

    beforeEach(async () => {
      db = await driver.create();
    });

    afterEach(async () => {
      await Promise.all(servers.map((server) => server.kill()));
      servers = [];
      await db.drop();
    });

    it('all come up; one runs the migrations, the others find nothing to do', async () => {
      // The same settings for every replica, the first admin's included.
      servers = await startAtOnce(
        {
          DATABASE_URL: db.url,
          LOG_LEVEL: 'info',
          BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
          BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        },
        INSTANCES,
      );
      for (const server of servers) {
        expect((await server.get('/health')).status).toBe(200);
        const login = await server.post('/auth/login', {
          username: ADMIN.username,
          password: ADMIN.password,
        });
        expect(login.status).toBe(200);
      }
      // Info lines are written in batches: stop the instances to flush them.
      for (const server of servers) await server.stop();
      const runs = servers.map(migrationsRun);
      expect(runs.every((lines) => lines.length === 1)).toBe(true);
      expect(runs.flat().sort((a, b) => b - a)).toEqual([
        MIGRATIONS.length,
        ...Array.from({ length: INSTANCES - 1 }, () => 0),
      ]);
    });

    it('a process that holds the lock past MIGRATION_LOCK_TIMEOUT stops start-up with one line', async () => {
      const release = await holdMigrationLock(db.url);
      try {
        const { code, output } = await ServerProcess.runToExit({
          DATABASE_URL: db.url,
          JWT_SECRET: TEST_JWT_SECRET,
          MIGRATION_LOCK_TIMEOUT: '1',
          LOG_LEVEL: 'fatal',
        });
        expect(code).toBe(1);
        expect(output.trim().split('\n')).toEqual([
          expect.stringMatching(
            /^Start-up failed: migrations: another process held the (migration|database's write) lock for 1 s \(MIGRATION_LOCK_TIMEOUT\); it may still be migrating/,
          ),
        ]);
      } finally {
        await release();
      }
    });
  },
);
