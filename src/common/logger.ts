import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../config/app-config';

/**
 * Query parameters whose values are credentials. A WebSocket client sends its
 * access token as ?token=, so every logged URL goes through redactUrl.
 */
const SECRET_QUERY_PARAMS =
  /([?&](?:token|access_token|refresh_token|password)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.includes('?')
    ? url.replace(SECRET_QUERY_PARAMS, '$1[REDACTED]')
    : url;
}

/**
 * The process's one pino logger: JSON lines in production, readable lines in
 * development. Request logging is ours (see app.setup.ts), so no request
 * headers (Authorization) or bodies (passwords) are ever serialised.
 */
export function createRootLogger(config: AppConfig): Pino {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { pid: process.pid },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'refresh_token',
        '*.refresh_token',
        'authorization',
        '*.authorization',
      ],
      censor: '[REDACTED]',
    },
  };
  if (config.isProduction || config.nodeEnv === 'test') return pino(options);
  return pino({
    ...options,
    transport: {
      target: 'pino-pretty',
      options: {
        colorize: true,
        singleLine: true,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname',
      },
    },
  });
}

/** Nest's LoggerService on top of the pino logger, so framework and app logs share one format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Pino) {}

  log(message: unknown, context?: string): void {
    this.root.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.root.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.root.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.root.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.root.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.root.fatal({ context }, String(message));
  }
}
