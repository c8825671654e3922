import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../config/app-config';
import { LineSink, LogLineBatcher } from './log-line-batcher';

/**
 * Query parameters whose values are credentials: a WebSocket client sends its
 * access token as ?token= (or a ticket), and a careless client may put any
 * other secret in a URL. Matched on the decoded name, as the query parser
 * reads it, so `?%74oken=` or `?TOKEN=` cannot slip a token into the logs.
 */
const SECRET_QUERY_PARAMS = new Set([
  'token',
  'access_token',
  'ticket',
  'refresh_token',
  'device_token',
  'password',
  'key',
]);

function isSecretParam(rawName: string): boolean {
  let name: string;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // A name that cannot be decoded cannot be checked: hide its value.
    return true;
  }
  return SECRET_QUERY_PARAMS.has(name.trim().toLowerCase());
}

/** The URL as it may be logged: the value of every credential parameter replaced by [REDACTED]. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const params = url
    .slice(start + 1)
    .split('&')
    .map((param) => {
      const equals = param.indexOf('=');
      if (equals === -1 || !isSecretParam(param.slice(0, equals))) return param;
      return `${param.slice(0, equals)}=[REDACTED]`;
    });
  return `${url.slice(0, start + 1)}${params.join('&')}`;
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
        'ticket',
        '*.ticket',
        'device_token',
        '*.device_token',
        'authorization',
        '*.authorization',
        'key',
        '*.key',
        '"x-api-key"',
        '*["x-api-key"]',
      ],
      censor: '[REDACTED]',
    },
  };
  if (writesJsonLogs(config)) {
    const destination = bufferedStdout();
    return pino(
      {
        ...options,
        hooks: {
          // Warnings and errors go out at once; only the steady stream of
          // info lines (the access log) waits for a batch.
          logMethod(args, method, level) {
            method.apply(this, args);
            if (level >= WARN_LEVEL) destination.flush();
          },
        },
      },
      destination,
    );
  }
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

/** JSON lines in production (and in tests, which read them); readable lines in development. */
export function writesJsonLogs(config: AppConfig): boolean {
  return config.isProduction || config.nodeEnv === 'test';
}

/** pino's numeric level of `warn`. */
const WARN_LEVEL = 40;

/** How much is buffered before a write, and how long a line may wait at most. */
// Each write goes through libuv's thread pool; at thousands of lines a second
// 64 KB batches cost about a third of what 8 KB ones did per line.
const LOG_BUFFER_BYTES = 65_536;
const LOG_FLUSH_MS = 1000;

/**
 * Stdout as a buffered, asynchronous destination: lines are collected and
 * written in batches off the request path (one write per 64 KB or per second)
 * instead of one synchronous write per line, which cost the authenticated
 * read a third of its throughput at LOG_LEVEL=info. What is buffered is
 * written on shutdown (`flushLogs`, from the HTTP server's close) and, as a
 * last resort, synchronously when the process exits.
 */
function bufferedStdout(): LogLineBatcher {
  // sonic-boom writes each batch as it comes, asynchronously, as the bytes
  // it is given (buffer mode). minLength 1, not 0: with 0 its flush() calls
  // back at once instead of after the writes in flight, and a SIGTERM could
  // lose the last lines.
  const stdout = pino.destination({
    dest: 1,
    sync: false,
    minLength: 1,
    contentMode: 'buffer',
  });
  const destination = new LogLineBatcher(
    // Its types know only strings; in buffer mode it takes Buffers.
    stdout as unknown as LineSink,
    LOG_BUFFER_BYTES,
    LOG_FLUSH_MS,
  );
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing more can be done for the log at exit.
    }
  });
  buffered.add(destination);
  return destination;
}

const buffered = new Set<LogLineBatcher>();

/** Writes every buffered log line and waits for the writes (called when the server closes). */
export async function flushLogs(): Promise<void> {
  await Promise.all(
    [...buffered].map(
      (destination) =>
        new Promise<void>((resolve) => destination.flush(() => resolve())),
    ),
  );
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
