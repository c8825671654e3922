import { loadConfig, loadEnvFile } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';
import { MigrationLockedDataSource } from './src/database/migration-lock';
import { ENTITIES } from './src/entities';

// The DataSource the TypeORM CLI uses (npm run migration:*), built by the
// same code and from the same environment as the server's. A promise: the
// options ask a MySQL-family server which dialect it speaks (the TypeORM CLI
// awaits an exported promise). `migration:run` takes the lock the servers
// take at start-up, so it cannot race an instance that is starting.
loadEnvFile();
export default dataSourceOptions(loadConfig()).then(
  (options) =>
    new MigrationLockedDataSource({
      ...options,
      entities: ENTITIES,
      migrationsRun: false,
    }),
);
