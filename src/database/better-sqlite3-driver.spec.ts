import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { betterSqlite3Module } from './better-sqlite3-driver';
import { dataSourceOptions } from './data-source-options';

describe('the better-sqlite3 build', () => {
  it.each([
    ['20.19.0', 'better-sqlite3'],
    ['20.20.2', 'better-sqlite3'],
    ['22.12.0', 'better-sqlite3-napi'],
    ['24.18.0', 'better-sqlite3-napi'],
    ['24.21.0', 'better-sqlite3-napi'],
    ['26.10.0', 'better-sqlite3-napi'],
  ])('on Node %s is %s', (version, expected) => {
    expect(betterSqlite3Module(version)).toBe(expected);
  });

  // Without `driver`, TypeORM require()s 'better-sqlite3', which is 12.
  it('is the one TypeORM opens the embedded database with, on this Node', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: 'unit-secret-that-is-long-enough-0123456789',
      DATABASE_URL: 'sqlite::memory:',
    });
    const dataSource = new DataSource({
      ...(await dataSourceOptions(config)),
      migrationsRun: false,
    });
    await dataSource.initialize();
    try {
      const loaded = (dataSource.driver as unknown as { sqlite: unknown })
        .sqlite;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(loaded).toBe(require(betterSqlite3Module()));
      const major = Number(process.versions.node.split('.')[0]);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { version } = require(`${betterSqlite3Module()}/package.json`) as {
        version: string;
      };
      expect(version.split('.')[0]).toBe(major >= 22 ? '13' : '12');
      expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
