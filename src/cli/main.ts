import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadEnvFile } from '../config/load-config';
import { CliModule } from './cli.module';
import { COMMANDS } from './commands';

function usage(): string {
  return [
    'Usage: npm run cli -- <command>',
    '',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
  ].join('\n');
}

/**
 * The operator CLI: `npm run cli -- users:create alice --tier 2`. It boots
 * the services the commands need (CliModule) without the HTTP application,
 * against the database of the current environment, so it takes the same
 * settings as the server.
 */
async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tier: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  // Own properties only: `toString` and the like are on every object.
  const command =
    name !== undefined && Object.hasOwn(COMMANDS, name)
      ? COMMANDS[name]
      : undefined;
  if (values.help || name === undefined) {
    process.stdout.write(`${usage()}\n`);
    return values.help ? 0 : 2;
  }
  if (!command) {
    // JSON.stringify quotes the word and escapes any control character in it.
    process.stderr.write(
      `error: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`,
    );
    return 2;
  }
  loadEnvFile();
  const config = loadConfig(process.env, 'cli');
  const app = await NestFactory.createApplicationContext(
    CliModule.forRoot(config),
    { logger: ['error'] },
  );
  try {
    process.stdout.write(
      `${await command.run(app, { args, tier: values.tier })}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError
        ? `Configuration error: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
