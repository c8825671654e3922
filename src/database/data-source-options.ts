import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RowDataPacket } from 'mysql2';
import { AppConfig, DatabaseConfig } from '../config/app-config';
import { loadBetterSqlite3 } from './better-sqlite3-driver';
import type { LockedDataSourceOptions } from './migration-lock';
import { InitialSchema1764115200000 } from './migrations/1764115200000-initial-schema';
import { BinaryIdentifierCollation1764200000000 } from './migrations/1764200000000-binary-identifier-collation';
import { DeviceTokens1764201000000 } from './migrations/1764201000000-device-tokens';
import { SessionEpoch1764300000000 } from './migrations/1764300000000-session-epoch';
import { RevocationEvents1764400000000 } from './migrations/1764400000000-revocation-events';
import { SessionActivity1764500000000 } from './migrations/1764500000000-session-activity';
import { AuthEvents1764501000000 } from './migrations/1764501000000-auth-events';
import { ApiKeys1764600000000 } from './migrations/1764600000000-api-keys';
import { SqliteSchemaAsEntities1764700000000 } from './migrations/1764700000000-sqlite-schema-as-entities';
import { RevocationSubjectCollation1764701000000 } from './migrations/1764701000000-revocation-subject-collation';
import { IdempotencyRecords1764926000000 } from './migrations/1764926000000-idempotency-records';
import { SignedApiKeys1764825000000 } from './migrations/1764825000000-signed-api-keys';
import { ApiKeyScopes1764826000000 } from './migrations/1764826000000-api-key-scopes';
import { SecondFactor1764800000000 } from './migrations/1764800000000-second-factor';
import { SigningKeys1765000000000 } from './migrations/1765000000000-signing-keys';

/** Listed, not globbed: the same list works from ts-jest, ts-node and dist/. */
export const MIGRATIONS = [
  InitialSchema1764115200000,
  BinaryIdentifierCollation1764200000000,
  DeviceTokens1764201000000,
  SessionEpoch1764300000000,
  RevocationEvents1764400000000,
  SessionActivity1764500000000,
  AuthEvents1764501000000,
  ApiKeys1764600000000,
  SqliteSchemaAsEntities1764700000000,
  RevocationSubjectCollation1764701000000,
  SecondFactor1764800000000,
  SignedApiKeys1764825000000,
  ApiKeyScopes1764826000000,
  IdempotencyRecords1764926000000,
  SigningKeys1765000000000,
];

type MysqlConfig = Extract<DatabaseConfig, { type: 'mysql' }>;

/**
 * Which of TypeORM's two dialects of the MySQL family the server speaks: it
 * says so in VERSION(). TypeORM's 'mysql' dialect misreads MariaDB's
 * information_schema (a nullable column's DEFAULT NULL reads as the string
 * 'NULL', display widths are ignored as on MySQL 8), so the schema builder
 * and migration:generate report changes nobody made; its 'mariadb' dialect
 * reads them right. Either way the connection goes through mysql2, and
 * DATABASE_URL keeps one scheme for both servers.
 */
export async function mysqlDialect(
  db: MysqlConfig,
): Promise<'mysql' | 'mariadb'> {
  // Loaded here, not at the top: an embedded-SQLite process never needs it.
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({
    host: db.host,
    port: db.port,
    user: db.username,
    password: db.password,
    connectTimeout: 5000,
  });
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT VERSION() AS version',
    );
    return /mariadb/i.test(String(rows[0]?.version)) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

/**
 * The TypeORM options for both drivers, used by the app (DatabaseModule) and
 * the TypeORM CLI (ormconfig.ts) alike. Schema changes come from migrations
 * only, run at start-up. No entities here: the app finds them through each
 * feature module's TypeOrmModule.forFeature (autoLoadEntities), the CLI gets
 * the full list from src/entities.ts, so this folder imports no feature.
 * Asynchronous because a MySQL-family URL asks the server which it is.
 * A MigrationLockedDataSource runs the migrations under a database-wide lock
 * (migration-lock.ts), bounded by MIGRATION_LOCK_TIMEOUT.
 */
export async function dataSourceOptions(
  config: AppConfig,
): Promise<LockedDataSourceOptions> {
  const common = {
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationLockTimeoutSeconds: config.migrationLockTimeoutSeconds,
    synchronize: false,
    logging: false,
  } as const;
  const db = config.database;
  if (db.type === 'mysql') {
    return {
      ...common,
      type: await mysqlDialect(db),
      connectorPackage: 'mysql2',
      host: db.host,
      port: db.port,
      username: db.username,
      password: db.password,
      database: db.database,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      poolSize: 10,
      connectTimeout: 5000,
      // mysql2 otherwise captures a stack trace on every query, for errors
      // that would point at the caller: a twentieth of a refresh's CPU on
      // MariaDB. Database errors here are mapped by code, not by stack.
      trace: false,
    };
  }
  if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    driver: loadBetterSqlite3(),
    database: db.path,
    // WAL lets readers run beside the writer, and several processes (a second
    // instance, the CLI) share the file; busy_timeout makes a writer wait
    // for the lock instead of failing at once.
    prepareDatabase: (database: { pragma(sql: string): unknown }) => {
      database.pragma('journal_mode = WAL');
      database.pragma('busy_timeout = 5000');
      database.pragma('synchronous = NORMAL');
    },
  };
}
