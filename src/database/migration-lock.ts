import { Logger } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { DataSource, DataSourceOptions, Migration } from 'typeorm';

type MigrationRunOptions = Parameters<DataSource['runMigrations']>[0];

/** The lock could not be had in time; its message is start-up's one line. */
export class MigrationLockTimeout extends Error {
  override readonly name = 'MigrationLockTimeout';
}

/**
 * The DataSource options with the lock's bound in seconds, which TypeORM
 * ignores. It rides on the options because Nest's TypeOrmModule hands
 * `dataSourceFactory` nothing else.
 */
export type LockedDataSourceOptions = DataSourceOptions & {
  migrationLockTimeoutSeconds: number;
};

/** MySQL/MariaDB refuse lock names over 64 characters. */
const MAX_LOCK_NAME = 64;

/**
 * The GET_LOCK name for one database. Lock names are server-wide, so the
 * database is part of it: deployments (and test schemas) on one server must
 * not wait for each other.
 */
export function migrationLockName(database: string): string {
  const name = `trading-auth.migrations.${database}`;
  if (name.length <= MAX_LOCK_NAME) return name;
  return `trading-auth.migrations.${createHash('sha256').update(database).digest('hex').slice(0, 32)}`;
}

/**
 * A DataSource whose `runMigrations` takes a database-wide lock first, so
 * instances started at the same moment on a new database (as an orchestrator
 * starts replicas) migrate it once: the first runs the migrations, the others
 * wait, then find nothing to do. Without it, two of three replicas on an
 * empty MariaDB died with `Duplicate column name ...` or `Table 'users'
 * already exists`.
 *
 * `migrationsRun` at initialize() calls the method too, and so does the
 * TypeORM CLI's `migration:run`, which therefore takes the same lock.
 */
export class MigrationLockedDataSource extends DataSource {
  private readonly migrationLog = new Logger('Migrations');
  private readonly lockTimeoutSeconds: number;

  constructor(options: LockedDataSourceOptions) {
    super(options);
    this.lockTimeoutSeconds = options.migrationLockTimeoutSeconds;
  }

  override async runMigrations(
    options?: MigrationRunOptions,
  ): Promise<Migration[]> {
    const ran =
      this.options.type === 'better-sqlite3'
        ? await this.onSqlite(options)
        : await this.onMysql(options);
    // One line per start-up, whatever it found: operators (and the test of
    // this race) can tell which instance migrated.
    this.migrationLog.log(`migrations: ran ${ran.length}`);
    return ran;
  }

  /**
   * GET_LOCK belongs to one connection, and the pool hands each statement
   * any connection, so the lock is held on a query runner of its own; the
   * migrations run on whatever connection TypeORM takes. The lock goes with
   * its connection, so a process that dies midway frees it.
   */
  private async onMysql(options?: MigrationRunOptions): Promise<Migration[]> {
    const name = migrationLockName(String(this.options.database));
    const holder = this.createQueryRunner();
    try {
      const [{ acquired }] = (await holder.query(
        'SELECT GET_LOCK(?, ?) AS acquired',
        [name, this.lockTimeoutSeconds],
      )) as { acquired: number | string | null }[];
      if (Number(acquired) !== 1) {
        throw new MigrationLockTimeout(
          `migrations: another process held the migration lock for ${this.lockTimeoutSeconds} s ` +
            `(MIGRATION_LOCK_TIMEOUT); it may still be migrating, ` +
            `and SELECT IS_USED_LOCK('${name}') names its connection`,
        );
      }
      try {
        return await super.runMigrations(options);
      } finally {
        // A failure here must not hide the migrations' own error; a broken
        // connection has dropped the lock anyway.
        await holder
          .query('SELECT RELEASE_LOCK(?)', [name])
          .catch(() => undefined);
      }
    } finally {
      await holder.release();
    }
  }

  /**
   * Two processes can share a DATA_DIR file (the docs run a second
   * instance or the CLI beside a server), and TypeORM reads which migrations
   * ran before it opens its transaction, so both would run them. SQLite's
   * write lock is the database-wide lock here: BEGIN IMMEDIATE takes it before
   * anything is read, and the migrations run inside that one transaction
   * (the process has one connection, so TypeORM may not open its own).
   * Foreign keys go off first, as TypeORM's own `beforeMigration` does,
   * because SQLite ignores that pragma inside a transaction and rebuilding a
   * table with them on would cascade deletes into its children.
   */
  private async onSqlite(options?: MigrationRunOptions): Promise<Migration[]> {
    const db = (this.driver as unknown as { databaseConnection: Database })
      .databaseConnection;
    const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma('foreign_keys = OFF');
    try {
      db.pragma(`busy_timeout = ${this.lockTimeoutSeconds * 1000}`);
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        throw new MigrationLockTimeout(
          `migrations: another process held the database's write lock for ${this.lockTimeoutSeconds} s ` +
            `(MIGRATION_LOCK_TIMEOUT); it may still be migrating`,
        );
      } finally {
        db.pragma(`busy_timeout = ${busyTimeout}`);
      }
      try {
        const ran = await super.runMigrations({
          ...options,
          transaction: 'none',
        });
        db.exec('COMMIT');
        return ran;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      db.pragma('foreign_keys = ON');
    }
  }
}
