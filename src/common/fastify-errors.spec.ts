import type { Socket } from 'node:net';
import { clientErrorHandler } from './fastify-errors';

/** The bytes clientErrorHandler writes for a parser error with `code`. */
function answerTo(code: string): string {
  let written = '';
  const socket = {
    destroyed: false,
    writable: true,
    end: (text: string) => (written += text),
    destroySoon: () => undefined,
  } as unknown as Socket;
  clientErrorHandler(Object.assign(new Error(code), { code }), socket);
  return written;
}

describe(clientErrorHandler.name, () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', '408 Request Timeout'],
    ['HPE_HEADER_OVERFLOW', '431 Request Header Fields Too Large'],
    ['HPE_INVALID_METHOD', '400 Bad Request'],
  ])('answers %s with %s and exactly {error, code}', (code, statusLine) => {
    const [head, body] = answerTo(code).split('\r\n\r\n');
    expect(head.startsWith(`HTTP/1.1 ${statusLine}\r\n`)).toBe(true);
    expect(Object.keys(JSON.parse(body)).sort()).toEqual(['code', 'error']);
    expect(JSON.parse(body).code).toBe('validation_error');
  });

  it('writes nothing on a reset connection', () => {
    expect(answerTo('ECONNRESET')).toBe('');
  });
});
