import { DataSource } from 'typeorm';
import { loadConfig, loadEnvFile } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';
import { ENTITIES } from './src/entities';

// The DataSource the TypeORM CLI uses (npm run migration:*), built by the
// same code and from the same environment as the server's.
loadEnvFile();
export default new DataSource({
  ...dataSourceOptions(loadConfig()),
  entities: ENTITIES,
  migrationsRun: false,
});
