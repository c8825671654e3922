import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { Logger as Pino } from 'pino';
import { LineEncoder, LogLineBatcher } from './log-line-batcher';
import { redactUrl } from './logger';

/**
 * The access log's one line per request, as pino would write it with
 * `info({reqId, method, url, status, ms, ip}, 'request')`, but built as one
 * string: no object per request, no pass through pino's serialiser and
 * redaction (nothing in it needs them: the URL is redacted here, and no
 * header or body is ever in it). Strings that come from the client are
 * JSON-escaped.
 */
export function accessLogLine(
  pid: number,
  timeMs: number,
  request: FastifyRequest,
  reply: FastifyReply,
): string {
  return (
    `{"level":30,"time":${timeMs},"pid":${pid},"reqId":${JSON.stringify(request.id)}` +
    `,"method":${JSON.stringify(request.method)},"url":${JSON.stringify(redactUrl(request.url))}` +
    `,"status":${reply.statusCode},"ms":${Math.round(reply.elapsedTime * 10) / 10}` +
    // The address is gone when the client's socket already is.
    `,"ip":${JSON.stringify(request.ip ?? null)},"msg":"request"}\n`
  );
}

/**
 * accessLogLine's exact bytes, written straight into the log's batch buffer:
 * nothing is allocated for a request whose strings are printable ASCII and
 * whose URL has no query and no key or token in its path (those are
 * redacted first, through a string).
 * Anything else (a character that is not ASCII, an id that is not a
 * string) is declined and written as accessLogLine's string. A spec checks
 * the two against each other on arbitrary input.
 */
export class AccessLogEncoder implements LineEncoder<
  FastifyRequest,
  FastifyReply
> {
  /** Everything from the time to the request id, constant but for the time. */
  private readonly afterTime: string;
  /** The last time written, and its digits: lines written in the same millisecond share them. */
  private lastTime = -1;
  private lastTimeDigits = '';

  constructor(
    private readonly pid: number,
    private readonly now: () => number = Date.now,
  ) {
    this.afterTime = `,"pid":${pid},"reqId":`;
  }

  encode(
    target: Buffer,
    offset: number,
    request: FastifyRequest,
    reply: FastifyReply,
  ): number {
    const url = request.url;
    const time = this.now();
    if (time !== this.lastTime) {
      this.lastTime = time;
      this.lastTimeDigits = String(time);
    }
    let at = ascii(target, offset, '{"level":30,"time":');
    at = ascii(target, at, this.lastTimeDigits);
    at = ascii(target, at, this.afterTime);
    at = jsonString(target, at, request.id);
    if (at < 0) return -1;
    at = ascii(target, at, ',"method":');
    at = jsonString(target, at, request.method);
    if (at < 0) return -1;
    at = ascii(target, at, ',"url":');
    at = jsonString(target, at, redactUrl(url));
    if (at < 0) return -1;
    at = ascii(target, at, ',"status":');
    at = digits(target, at, reply.statusCode);
    at = ascii(target, at, ',"ms":');
    const tenths = Math.round(reply.elapsedTime * 10);
    if (!(tenths >= 0 && tenths <= Number.MAX_SAFE_INTEGER)) return -1;
    at = digits(target, at, Math.floor(tenths / 10));
    if (tenths % 10 !== 0) {
      target[at++] = 0x2e; // .
      target[at++] = 0x30 + (tenths % 10);
    }
    at = ascii(target, at, ',"ip":');
    const ip = request.ip;
    at = ip == null ? ascii(target, at, 'null') : jsonString(target, at, ip);
    if (at < 0) return -1;
    return ascii(target, at, ',"msg":"request"}\n');
  }

  line(request: FastifyRequest, reply: FastifyReply): string {
    return accessLogLine(this.pid, this.now(), request, reply);
  }
}

/** Copies a string known to be ASCII. Writes past the end are dropped by the buffer. */
function ascii(target: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** A non-negative integer in decimal. */
function digits(target: Buffer, at: number, value: number): number {
  if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER) || value % 1 !== 0)
    return ascii(target, at, String(value));
  let length = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) length++;
  for (let i = at + length - 1; i >= at; i--) {
    target[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return at + length;
}

const HEX = '0123456789abcdef';

/** The characters JSON.stringify escapes with a backslash and one letter (or themselves). */
const SHORT_ESCAPES = new Map<number, number>([
  [0x22, 0x22], // "
  [0x5c, 0x5c], // backslash
  [0x08, 0x62], // b
  [0x09, 0x74], // t
  [0x0a, 0x6e], // n
  [0x0c, 0x66], // f
  [0x0d, 0x72], // r
]);

/** `JSON.stringify(text)` for ASCII text; -1 for anything else. */
function jsonString(target: Buffer, at: number, text: unknown): number {
  if (typeof text !== 'string') return -1;
  target[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x80 && code !== 0x22 && code !== 0x5c) {
      target[at++] = code;
      continue;
    }
    if (code >= 0x80) return -1;
    target[at++] = 0x5c; // backslash
    const short = SHORT_ESCAPES.get(code);
    if (short !== undefined) {
      target[at++] = short;
    } else {
      at = ascii(target, at, 'u00');
      target[at++] = HEX.charCodeAt(code >> 4);
      target[at++] = HEX.charCodeAt(code & 15);
    }
  }
  target[at++] = 0x22;
  return at;
}

/**
 * Where the access log goes: encoded straight into the root logger's
 * batch when it writes JSON lines, through the logger (pretty-printed)
 * otherwise.
 */
export function accessLogWriter(
  root: Pino,
  json: boolean,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const stream = (root as unknown as Record<symbol, unknown>)[
    pino.symbols.streamSym
  ];
  if (json && stream instanceof LogLineBatcher) {
    const encoder = new AccessLogEncoder(process.pid);
    return (request, reply) => stream.append(encoder, request, reply);
  }
  return (request, reply) =>
    root.info(
      {
        reqId: request.id,
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      'request',
    );
}
