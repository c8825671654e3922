import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { Logger as Pino } from 'pino';
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
    `,"ip":${JSON.stringify(request.ip)},"msg":"request"}\n`
  );
}

/**
 * Where the access log goes: straight into the root logger's buffered
 * stream when it writes JSON lines, through the logger (pretty-printed)
 * otherwise.
 */
export function accessLogWriter(
  root: Pino,
  json: boolean,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const stream = (root as unknown as Record<symbol, unknown>)[
    pino.symbols.streamSym
  ] as { write(line: string): unknown } | undefined;
  if (json && stream) {
    const pid = process.pid;
    return (request, reply) =>
      stream.write(accessLogLine(pid, Date.now(), request, reply));
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
