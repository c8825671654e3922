import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessLogLine } from './access-log';

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
