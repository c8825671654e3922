import './runtime-flags';
import 'reflect-metadata';
import { checkBootstrapAdmin } from './admin/bootstrap-admin-settings';
import { createApp } from './app.setup';
import { ConfigError, loadConfig, loadEnvFile } from './config/load-config';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  let config;
  try {
    config = loadConfig();
    checkBootstrapAdmin(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line for the operator, no stack trace.
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  try {
    const app = await createApp(config);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    process.stderr.write(
      `Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}

void bootstrap();
