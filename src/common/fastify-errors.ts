import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import {
  normalizeForwardedFor,
  normalizeSocketAddress,
} from './client-address';
import { codeForStatus, toErrorBody } from './error-body';
import { ErrorCode } from './error-codes';

/** Path parameters longer than this are refused by Fastify's router (its default, stated here for the message). */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors Fastify raises before a request reaches a route, and so before any
 * Nest filter: a path segment with bad percent-encoding, a path parameter over
 * MAX_PARAM_LENGTH. Fastify's own body would be
 * `{error, code: "FST_ERR_...", message, statusCode}`; ours is `{error, code}`.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  let status = error.statusCode ?? 500;
  let message: string;
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      message = 'The URL is not valid: a path segment is badly percent-encoded';
      break;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      message = `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`;
      break;
    default:
      message = 'The request cannot be routed';
  }
  let code = codeForStatus(status);
  if (code === undefined) {
    status = 500;
    code = ErrorCode.InternalError;
    message = 'Internal server error';
  }
  void reply
    .code(status)
    .type('application/json')
    .send(toErrorBody(code, message));
}

/**
 * Node's HTTP parser errors (no request object exists yet): headers or a URL
 * over Node's header limit (431), a request not received within
 * requestTimeout (408), anything unparsable (400). Written on the socket as
 * Fastify's default handler does, with our body.
 */
export function clientErrorHandler(
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message = 'Malformed HTTP request';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'The request was not received in time';
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'Request headers (or the URL) are too large';
  }
  const body = JSON.stringify(
    toErrorBody(codeForStatus(status) ?? ErrorCode.ValidationError, message),
  );
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Content-Type: application/json\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroySoon();
}

function sendRaw(response: ServerResponse, status: number, message: string) {
  const body = JSON.stringify(
    toErrorBody(codeForStatus(status) ?? ErrorCode.ValidationError, message),
  );
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  response.end(body);
}

/** The timeouts among Fastify's options (its defaults filled in) that a server takes. */
interface ServerTimeouts {
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
}

/**
 * Fastify's `serverFactory`: Node's own HTTP server, minus the two answers it
 * would give by itself with an empty body: 400 to an HTTP/1.1 request without
 * a Host header, and 417 to an `Expect` it does not know. Both are refused
 * here with our body. Everything else goes to Fastify, its client address
 * (socket and X-Forwarded-For) first written in one form (client-address.ts).
 */
export function serverFactory(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  options: Record<string, unknown>,
): Server {
  const server = createServer(
    { requireHostHeader: false },
    (request, response) => {
      if (request.headers.host === undefined && request.httpVersion === '1.1') {
        sendRaw(response, 400, 'HTTP/1.1 requests need a Host header');
        return;
      }
      normalizeForwardedFor(request);
      handler(request, response);
    },
  );
  // Before any request of the connection: request.ip in one form for all.
  server.on('connection', normalizeSocketAddress);
  // A client may send its request and then shut down its sending side (a
  // half-close, as `nc -N` or a raw socket's end() does). Node's default is
  // to end the connection at that FIN, which drops the answer of any route
  // still awaiting the database. Keep the socket open until that answer is
  // written; Node closes it then. (A long-standing property of Node's
  // http.Server that its type definitions leave out.)
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('checkExpectation', (_request, response: ServerResponse) =>
    sendRaw(response, 417, 'Only "Expect: 100-continue" is supported'),
  );
  // Fastify applies these to a server it creates, not to one from a factory:
  // without them the adapter's requestTimeout and keep-alive were silently
  // Node's defaults (300 s and 5 s).
  const timeouts = options as unknown as ServerTimeouts;
  server.keepAliveTimeout = timeouts.keepAliveTimeout;
  server.requestTimeout = timeouts.requestTimeout;
  server.setTimeout(timeouts.connectionTimeout);
  return server;
}
