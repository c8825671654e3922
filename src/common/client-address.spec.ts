import { AddressInfo, SocketAddress } from 'node:net';
import { normalizeAddress } from './client-address';
import { serverFactory } from './fastify-errors';

describe(normalizeAddress.name, () => {
  it.each([
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['::FFFF:CB00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:cb00:7107', '203.0.113.7'],
    ['0000:0000:0000:0000:0000:ffff:102:304', '1.2.3.4'],
    ['::ffff:0.0.0.0', '0.0.0.0'],
  ])('writes the IPv4-mapped %s as %s', (input, output) => {
    expect(normalizeAddress(input)).toBe(output);
  });

  it.each([
    ['2001:DB8:0:0:0:0:0:0A', '2001:db8::a'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    // The longest run of zeros is compressed, the first of equal ones, never a lone one.
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:1:1:0:0:1', '1::1:1:0:0:1'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['1::', '1::'],
    ['fe80:0::1%eth0', 'fe80::1%eth0'],
    ['64:ff9b::203.0.113.7', '64:ff9b::cb00:7107'],
  ])('writes the IPv6 %s as %s', (input, output) => {
    expect(normalizeAddress(input)).toBe(output);
  });

  it.each([
    '203.0.113.7',
    '127.0.0.1',
    '',
    'unknown',
    ':',
    ':::',
    ':1',
    '1:',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '12345::1',
    'g::1',
    '::ffff:203.0.113.256',
    '::ffff:203.0.113.07',
    '::ffff:203.0.113',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
  ])('leaves %j as it is: IPv4, or not an address', (input) => {
    expect(normalizeAddress(input)).toBe(input);
  });

  it('agrees with the C library on random IPv6 addresses', () => {
    for (let n = 0; n < 2000; n++) {
      // Sparse groups, so that runs of zeros of every length occur.
      const groups = Array.from({ length: 8 }, () =>
        Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 0x10000),
      );
      if (
        groups.slice(0, 5).every((g) => g === 0) &&
        [0, 0xffff].includes(groups[5])
      )
        continue; // mapped and compatible IPv4 are written in dotted form by inet_ntop
      const full = groups
        .map((g) => g.toString(16).toUpperCase().padStart(4, '0'))
        .join(':');
      const expected = new SocketAddress({ address: full, family: 'ipv6' })
        .address;
      expect([full, normalizeAddress(full)]).toEqual([full, expected]);
      expect(normalizeAddress(expected)).toBe(expected);
    }
  });
});

describe('the client address Fastify sees', () => {
  /** The real server factory with a handler that answers with what request.ip is computed from. */
  async function serve(listenOn: string) {
    const server = serverFactory(
      (request, response) =>
        response.end(
          JSON.stringify({
            socket: request.socket.remoteAddress,
            forwarded: request.headers['x-forwarded-for'] ?? null,
          }),
        ),
      { keepAliveTimeout: 5000, requestTimeout: 5000, connectionTimeout: 0 },
    );
    await new Promise<void>((resolve) => server.listen(0, listenOn, resolve));
    const { port } = server.address() as AddressInfo;
    return { server, url: `http://127.0.0.1:${port}` };
  }

  it('writes an IPv4 client of a dual-stack socket as IPv4, and X-Forwarded-For in one form', async () => {
    const { server, url } = await serve('::');
    try {
      const answer = await (
        await fetch(url, {
          headers: {
            'x-forwarded-for': '198.51.100.1, ::FFFF:CB00:7107,2001:DB8::0:A',
          },
        })
      ).json();
      expect(answer).toEqual({
        socket: '127.0.0.1',
        forwarded: '198.51.100.1, 203.0.113.7, 2001:db8::a',
      });
      // An IPv4-only header is left as it is, spaces and all.
      expect(
        await (
          await fetch(url, {
            headers: { 'x-forwarded-for': '198.51.100.1,10.0.0.1' },
          })
        ).json(),
      ).toEqual({ socket: '127.0.0.1', forwarded: '198.51.100.1,10.0.0.1' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
