import '../../src/runtime-flags';
import 'reflect-metadata';
import { createApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/load-config';
import { IdempotencyProbeModule } from '../fixtures/idempotency-probe.module';
import { OrdersModule } from '../fixtures/orders.module';

/**
 * src/main.ts with the fixtures' feature modules mounted, as a platform
 * module's deployment would run: `ServerProcess.start(env, FIXTURE_SERVER)`
 * gives a real instance with `/orders` and `/idempotency-probe`.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config, [OrdersModule, IdempotencyProbeModule]);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${String(error)}\n`);
  process.exit(1);
});
