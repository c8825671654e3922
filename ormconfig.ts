import { DataSource } from 'typeorm';
import { loadConfig, loadEnvFile } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';
import { ENTITIES } from './src/entities';

// The DataSource the TypeORM CLI uses (npm run migration:*), built by the
// same code and from the same environment as the server's. A promise: the
// options ask a MySQL-family server which dialect it speaks (the TypeORM CLI
// awaits an exported promise).
loadEnvFile();
export default dataSourceOptions(loadConfig()).then(
  (options) =>
    new DataSource({ ...options, entities: ENTITIES, migrationsRun: false }),
);
