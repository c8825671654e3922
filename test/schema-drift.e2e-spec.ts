import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { ENTITIES } from '../src/entities';
import { DRIVERS, TestDatabase } from './support/databases';
import { TEST_JWT_SECRET } from './support/test-app';

describe.each(DRIVERS)('entities and migrations on $name', (driver) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await driver.create();
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: db.url,
    });
    // The server's own options (dialect included), with every entity.
    dataSource = new DataSource({
      ...(await dataSourceOptions(config)),
      entities: ENTITIES,
      migrationsRun: false,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it("leave TypeORM's schema builder nothing to change", async () => {
    const log = await dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((query) => query.query)).toEqual([]);
    expect(log.downQueries.map((query) => query.query)).toEqual([]);
  });

  it('agree on collations, which the schema builder does not compare', async () => {
    if (driver.name !== 'mysql') return; // SQLite compares bytes everywhere
    const rows: { t: string; c: string; collation: string | null }[] =
      await dataSource.query(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
      );
    const declared = dataSource.entityMetadatas.flatMap((metadata) =>
      metadata.columns
        .filter((column) => column.collation !== undefined)
        .map((column) => ({
          column: `${metadata.tableName}.${column.databaseName}`,
          collation: column.collation,
        })),
    );
    expect(declared.length).toBeGreaterThan(0);
    const found = declared.map(({ column }) => ({
      column,
      collation: rows.find((row) => `${row.t}.${row.c}` === column)?.collation,
    }));
    expect(found).toEqual(declared);
  });

  it("use TypeORM's dialect for the server they run on", async () => {
    if (driver.name !== 'mysql') return;
    const [{ version }]: { version: string }[] = await dataSource.query(
      'SELECT VERSION() AS version',
    );
    expect(dataSource.options.type).toBe(
      /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    );
  });
});
