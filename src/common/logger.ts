import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../config/app-config';
import { LineSink, LogLineBatcher } from './log-line-batcher';

/**
 * Query parameters whose values are credentials: a WebSocket client sends its
 * access token as ?token= (or a ticket), and a careless client may put any
 * other secret in a URL, under the name of the header it belongs in. Matched
 * on the decoded name, as the query parser reads it, so `?%74oken=` or
 * `?TOKEN=` cannot slip a token into the logs.
 */
const SECRET_QUERY_PARAMS = new Set([
  'token',
  'access_token',
  'ticket',
  'refresh_token',
  'device_token',
  'password',
  'key',
  'api_key',
  'apikey',
  'x-api-key',
  'jwt',
  'authorization',
  'secret',
]);

function isSecretParam(rawName: string): boolean {
  if (rawName.indexOf('%') === -1 && rawName.indexOf('+') === -1)
    return SECRET_QUERY_PARAMS.has(rawName.trim().toLowerCase());
  let name: string;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // A name that cannot be decoded cannot be checked: hide its value.
    return true;
  }
  return SECRET_QUERY_PARAMS.has(name.trim().toLowerCase());
}

/**
 * What our API keys start with (`API_KEY_PREFIX` in
 * api-keys/api-key-format.ts, which common/ cannot import: api-keys/ imports
 * common/). logger.spec.ts checks a minted key against it.
 */
const API_KEY_PREFIX = 'tak_';
/** `tak_`, the key id's 22 characters, then the dot before the secret. */
const API_KEY_DOT = API_KEY_PREFIX.length + 22;
/** What every JWT starts with: `{"` in base64url. */
const JWT_START = 'eyJ';

/** base64url and the dot: what keys and tokens are made of. */
const TOKEN_CHARS = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.')
  TOKEN_CHARS[char.charCodeAt(0)] = 1;

/**
 * Whether `text` may hold a key or token: the test every logged URL takes.
 * One-character searches first: V8 does them far faster than the
 * substring's (about 45 ns against 70 for both substrings on a short path),
 * and most paths have no `J` and no `_`.
 */
function mayHoldCredential(text: string): boolean {
  return (
    (text.indexOf('J') !== -1 && text.indexOf(JWT_START) !== -1) ||
    (text.indexOf('_') !== -1 && text.indexOf(API_KEY_PREFIX) !== -1)
  );
}

/**
 * `text` with every API key (`tak_<id>.<secret>`) and every JWT (three
 * base64url parts, the first starting `eyJ`) replaced by [REDACTED],
 * wherever it is and whatever it is called: in a path, in any query value,
 * inside a longer value. The whole run of token characters from the start
 * of the shape goes, so a key with something stuck to its end is not half
 * shown. Linear in the length of `text`, however many near-shapes it holds
 * (a URL is up to 16 KB of the client's choosing, on every request).
 */
function redactCredentials(text: string): string {
  let out = '';
  let copied = 0;
  let key = text.indexOf(API_KEY_PREFIX);
  let jwt = text.indexOf(JWT_START);
  while (key !== -1 || jwt !== -1) {
    const isKey = key !== -1 && (jwt === -1 || key < jwt);
    const at = isKey ? key : jwt;
    let end: number;
    if (isKey) {
      if (!isKeyShaped(text, at)) {
        key = text.indexOf(API_KEY_PREFIX, at + 1);
        continue;
      }
      end = runEnd(text, at).end;
    } else {
      const run = runEnd(text, at);
      end = run.end;
      if (run.dots < 2) {
        // Any later `eyJ` in this run ends where it does, with fewer dots.
        jwt = text.indexOf(JWT_START, end);
        continue;
      }
    }
    out += `${text.slice(copied, at)}[REDACTED]`;
    copied = end;
    if (key !== -1 && key < end) key = text.indexOf(API_KEY_PREFIX, end);
    if (jwt !== -1 && jwt < end) jwt = text.indexOf(JWT_START, end);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `tak_`, 22 base64url characters, a dot, and at least one more. */
function isKeyShaped(text: string, at: number): boolean {
  if (text.length <= at + API_KEY_DOT + 1) return false;
  for (let i = at + API_KEY_PREFIX.length; i <= at + API_KEY_DOT + 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return false;
    if ((code === 0x2e) !== (i === at + API_KEY_DOT)) return false;
  }
  return true;
}

/**
 * Where the run of token characters from `at` ends, and how many dots
 * separate non-empty parts in it: two dots in a row end it, and trailing
 * dots are not part of it.
 */
function runEnd(text: string, at: number): { end: number; dots: number } {
  let end = at;
  let dots = 0;
  for (; end < text.length; end++) {
    const code = text.charCodeAt(end);
    if (code >= 128 || TOKEN_CHARS[code] === 0) break;
    if (code === 0x2e) {
      if (text.charCodeAt(end - 1) === 0x2e) break;
      dots++;
    }
  }
  while (end > at && text.charCodeAt(end - 1) === 0x2e) {
    end--;
    dots--;
  }
  return { end, dots };
}

/**
 * The URL as it may be logged: the value of every credential parameter, and
 * every key or token anywhere in it, replaced by [REDACTED]. The same string
 * when there is nothing to replace; a URL without a query costs two
 * substring searches.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1)
    return mayHoldCredential(url) ? redactCredentials(url) : url;
  const params = url.slice(start + 1).split('&');
  let changed = false;
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    const equals = param.indexOf('=');
    if (equals === -1) continue;
    if (
      isSecretParam(param.slice(0, equals)) ||
      encodesCredential(param, equals)
    ) {
      params[i] = `${param.slice(0, equals)}=[REDACTED]`;
      changed = true;
    }
  }
  const redacted = changed
    ? `${url.slice(0, start + 1)}${params.join('&')}`
    : url;
  return mayHoldCredential(redacted) ? redactCredentials(redacted) : redacted;
}

/** Whether the value of `param` is a percent-encoded key or token (`tak%5F…`), which it is once decoded. */
function encodesCredential(param: string, equals: number): boolean {
  if (param.indexOf('%', equals) === -1) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(param.slice(equals + 1).replace(/\+/g, ' '));
  } catch {
    return false;
  }
  return mayHoldCredential(decoded) && redactCredentials(decoded) !== decoded;
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
