import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadBetterSqlite3 } from '../../src/database/better-sqlite3-driver';

/**
 * The database drivers the end-to-end suites run against: always the
 * embedded SQLite; MySQL/MariaDB too when TEST_DATABASE_URL=mysql://... is set.
 * Each test database is fresh (a new file, or a new MySQL schema) and is
 * dropped by `drop()`.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface Driver {
  name: 'sqlite' | 'mysql';
  create(): Promise<TestDatabase>;
}

const sqlite: Driver = {
  name: 'sqlite',
  async create() {
    const path = join(
      tmpdir(),
      `auth-e2e-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`,
    );
    return {
      url: `sqlite:${path}`,
      async drop() {
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(path + suffix, { force: true });
      },
    };
  },
};

function mysql(serverUrl: string): Driver {
  return {
    name: 'mysql',
    async create() {
      const url = new URL(serverUrl);
      const name = `auth_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = await createConnection({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username) || 'root',
        password: decodeURIComponent(url.password),
      });
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      await admin.end();
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const conn = await createConnection({
            host: url.hostname,
            port: Number(url.port || 3306),
            user: decodeURIComponent(url.username) || 'root',
            password: decodeURIComponent(url.password),
          });
          await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
          await conn.end();
        },
      };
    },
  };
}

export const DRIVERS: Driver[] = [
  sqlite,
  ...(process.env.TEST_DATABASE_URL
    ? [mysql(process.env.TEST_DATABASE_URL)]
    : []),
];

/**
 * Runs one statement on a test database from a connection of the test's
 * own, beside the servers (to plant a row, or count one): the rows of a
 * query, [] for anything else. `?` placeholders on both drivers.
 */
export async function sql(
  db: TestDatabase,
  statement: string,
  params: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  if (db.url.startsWith('sqlite:')) {
    const Database = loadBetterSqlite3();
    const file = new Database(db.url.slice('sqlite:'.length));
    try {
      const prepared = file.prepare(statement);
      if (!prepared.reader) {
        prepared.run(...params);
        return [];
      }
      return prepared.all(...params) as Array<Record<string, unknown>>;
    } finally {
      file.close();
    }
  }
  const connection = await createConnection(db.url);
  try {
    const [rows] = await connection.query(statement, params);
    return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
  } finally {
    await connection.end();
  }
}
