import { connect } from 'node:net';
import { ErrorCode } from '../../src/common/error-codes';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `request` as is on a new TCP connection and reads the answer until
 * the server closes it: for what fetch refuses to send (bad request lines,
 * raw paths, oversized headers). Send `Connection: close` with complete
 * requests so the server ends the connection after answering.
 */
export function rawHttp(url: string, request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(request));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset after answering a request it refused mid-way.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0)
          headers[line.slice(0, colon).toLowerCase()] = line
            .slice(colon + 1)
            .trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split === -1 ? '' : text.slice(split + 4),
      });
    });
  });
}

const CODES = new Set<string>(Object.values(ErrorCode));

/**
 * What is wrong with an error answer, or undefined when it is exactly
 * `{error, code}` with a string message and one of the project's codes.
 */
export function errorShapeProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return `not an object: ${text.slice(0, 200)}`;
  const keys = Object.keys(body).sort();
  if (keys.join() !== 'code,error') return `keys ${keys.join()}: ${text}`;
  const { error, code } = body as { error: unknown; code: unknown };
  if (typeof error !== 'string') return `error is not a string: ${text}`;
  if (typeof code !== 'string' || !CODES.has(code))
    return `unknown code: ${text}`;
  return undefined;
}
