import fc from 'fast-check';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessLogEncoder, accessLogLine } from './access-log';

function line(url: string, extra: Partial<FastifyRequest> = {}) {
  const request = {
    id: 'req-7',
    method: 'GET',
    url,
    ip: '127.0.0.9',
    ...extra,
  } as FastifyRequest;
  const reply = { statusCode: 401, elapsedTime: 0.4567 } as FastifyReply;
  return accessLogLine(4242, 1_700_000_000_123, request, reply);
}

describe(accessLogLine.name, () => {
  it('is the JSON line pino would write for the request, newline-terminated', () => {
    const text = line('/auth/me');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      level: 30,
      time: 1_700_000_000_123,
      pid: 4242,
      reqId: 'req-7',
      method: 'GET',
      url: '/auth/me',
      status: 401,
      ms: 0.5,
      ip: '127.0.0.9',
      msg: 'request',
    });
  });

  it('redacts credentials in the URL and stays valid JSON whatever the URL holds', () => {
    const parsed = JSON.parse(
      line('/ws?%74oken=abc.def.ghi&x="\\\n\u0001</script>'),
    ) as { url: string };
    expect(parsed.url).toContain('%74oken=[REDACTED]');
    expect(parsed.url).not.toContain('abc.def.ghi');
    expect(parsed.url).toContain('x="\\\n\u0001</script>');
  });
});

describe(AccessLogEncoder.name, () => {
  const TIME = 1_700_000_000_123;
  const encoder = new AccessLogEncoder(4242, () => TIME);
  const request = (fields: Partial<Record<keyof FastifyRequest, unknown>>) =>
    ({
      id: 'req-1',
      method: 'GET',
      url: '/auth/me',
      ip: '127.0.0.1',
      ...fields,
    }) as unknown as FastifyRequest;
  const reply = (statusCode: number, elapsedTime: number) =>
    ({ statusCode, elapsedTime }) as FastifyReply;
  /** What encode writes, or undefined when it declines. */
  const encoded = (req: FastifyRequest, rep: FastifyReply, room = 4096) => {
    const target = Buffer.alloc(room);
    const end = encoder.encode(target, 3, req, rep);
    if (end < 0) return undefined;
    return end > room ? 'overflow' : target.subarray(3, end).toString('utf8');
  };
  const ascii = fc.string({
    unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  });

  it('writes exactly the bytes of accessLogLine for ASCII requests', () => {
    fc.assert(
      fc.property(
        ascii,
        ascii,
        ascii,
        fc.option(ascii, { nil: undefined }),
        fc.integer({ min: 100, max: 599 }),
        // Times as Fastify measures them (fractions of a millisecond), and any.
        fc.oneof(
          fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1000),
          fc.double({ min: 0, max: 1e7, noNaN: true }),
        ),
        (id, method, url, ip, status, elapsed) => {
          const req = request({ id, method, url, ip });
          const rep = reply(status, elapsed);
          expect(encoded(req, rep)).toBe(accessLogLine(4242, TIME, req, rep));
        },
      ),
    );
  });

  it('declines a request with any other character, which goes out as accessLogLine', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const req = request({ url: `/auth/${text}` });
        const result = encoded(req, reply(200, 1));
        // eslint-disable-next-line no-control-regex
        if (/[^\u0000-\u007f]/.test(text)) expect(result).toBeUndefined();
        else expect(result).toBe(accessLogLine(4242, TIME, req, reply(200, 1)));
      }),
    );
    expect(encoder.line(request({ ip: 'é' }), reply(200, 1))).toBe(
      accessLogLine(4242, TIME, request({ ip: 'é' }), reply(200, 1)),
    );
  });

  it('redacts credentials in the query as accessLogLine does', () => {
    const req = request({ url: '/ws?token=abc.def.ghi&x=1' });
    const text = encoded(req, reply(101, 3.25))!;
    expect(text).toBe(accessLogLine(4242, TIME, req, reply(101, 3.25)));
    expect(text).not.toContain('abc.def.ghi');
  });

  it('writes null for an address that is gone, as valid JSON', () => {
    const text = encoded(request({ ip: undefined }), reply(200, 0.04))!;
    expect(JSON.parse(text)).toMatchObject({ ip: null, ms: 0 });
  });

  it('says when the line ran past the end of the buffer', () => {
    expect(encoded(request({}), reply(200, 1), 40)).toBe('overflow');
  });
});
