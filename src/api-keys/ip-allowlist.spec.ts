import {
  formatEntry,
  IpAllowlist,
  parseAllowlistEntry,
  tooWide,
} from './ip-allowlist';

function allowlist(entries: string[]): IpAllowlist {
  const list = IpAllowlist.fromStored(entries);
  if (list === undefined) throw new Error(`unreadable: ${entries.join()}`);
  return list;
}

const entry = (text: string) => {
  const parsed = parseAllowlistEntry(text);
  if (parsed === undefined) throw new Error(`not an entry: ${text}`);
  return parsed;
};

describe('parseAllowlistEntry', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::1', '::1'],
    ['2001:db8::1/128', '2001:db8::1'],
    // The network, not the address as typed.
    ['10.9.9.9/0', '0.0.0.0/0'],
    ['10.9.9.9/8', '10.0.0.0/8'],
    ['192.168.7.200/22', '192.168.4.0/22'],
    ['203.0.113.77/25', '203.0.113.0/25'],
    ['2001:DB8:1234:0:0::1/32', '2001:db8::/32'],
    ['2001:db8:abcd:ff:1:2:3:4/62', '2001:db8:abcd:fc::/62'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0/0', '::/0'],
    ['fe80::1:2/10', 'fe80::/10'],
    // IPv4-mapped entries are the IPv4 entries they stand for.
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['::ffff:198.51.100.77/120', '198.51.100.0/24'],
    ['::ffff:0.0.0.0/96', '0.0.0.0/0'],
    // Shorter than /96 it is an IPv6 network like any other.
    ['::ffff:1.2.3.4/80', '::/80'],
    ['::1.2.3.4', '::102:304'],
  ])('accepts %s as %s', (text, normalised) => {
    const entry = parseAllowlistEntry(text);
    expect(entry).toBeDefined();
    expect(formatEntry(entry!)).toBe(normalised);
  });

  it.each([
    '',
    'localhost',
    '203.0.113',
    '203.0.113.256',
    '203.0.113.0/33',
    '203.0.113.0/',
    '203.0.113.0/-1',
    '203.0.113.0/ 8',
    '203.0.113.0/8/8',
    '2001:db8::/129',
    'fe80::1%eth0',
    '1.2.3.4 ',
    'x'.repeat(100),
  ])('refuses %j', (text) => {
    expect(parseAllowlistEntry(text)).toBeUndefined();
  });
});

describe(tooWide.name, () => {
  const minimum = { ipv4: 8, ipv6: 32 };

  it.each([
    '0.0.0.0/0',
    '10.9.9.9/0',
    '10.0.0.0/7',
    '::/0',
    '2001:db8::/31',
    '::ffff:0.0.0.0/96',
    '::ffff:10.0.0.0/103',
  ])('refuses %s', (text) => {
    expect(tooWide(entry(text), minimum)).toMatch(
      /^IPv[46] entries need a prefix of at least \/(8|32)$/,
    );
  });

  it.each([
    '10.0.0.0/8',
    '203.0.113.7',
    '2001:db8::/32',
    '::1',
    '::ffff:10.0.0.0/104',
  ])('accepts %s', (text) => {
    expect(tooWide(entry(text), minimum)).toBeUndefined();
  });

  it('holds each family to its own minimum', () => {
    expect(tooWide(entry('10.0.0.0/16'), { ipv4: 24, ipv6: 1 })).toBe(
      'IPv4 entries need a prefix of at least /24',
    );
    expect(tooWide(entry('2001:db8::/47'), { ipv4: 1, ipv6: 48 })).toBe(
      'IPv6 entries need a prefix of at least /48',
    );
  });
});

describe(IpAllowlist.name, () => {
  it('cannot be read from stored entries of which one is not an entry', () => {
    // Skipping it could leave the list empty, and an empty list is open.
    expect(IpAllowlist.fromStored(['garbage'])).toBeUndefined();
    expect(
      IpAllowlist.fromStored(['127.0.0.1', '10.0.0.0/33']),
    ).toBeUndefined();
  });

  it('matches a mapped client against IPv4 entries and an IPv4 client against mapped ones', () => {
    expect(allowlist(['::ffff:127.0.0.1']).allows('127.0.0.1')).toBe(true);
    expect(allowlist(['::ffff:127.0.0.1']).allows('::ffff:127.0.0.1')).toBe(
      true,
    );
    expect(allowlist(['127.0.0.1']).allows('::ffff:7f00:1')).toBe(true);
    expect(allowlist(['::ffff:127.0.0.1']).allows('127.0.0.2')).toBe(false);
  });

  it('allows every address when empty', () => {
    expect(allowlist([]).allows('198.51.100.1')).toBe(true);
  });

  it('matches single addresses exactly', () => {
    const list = allowlist(['127.0.0.1']);
    expect(list.allows('127.0.0.1')).toBe(true);
    expect(list.allows('127.0.0.23')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
  });

  it('matches IPv4 CIDRs at their edges', () => {
    const list = allowlist(['192.168.4.0/22']);
    expect(list.allows('192.168.4.0')).toBe(true);
    expect(list.allows('192.168.7.255')).toBe(true);
    expect(list.allows('192.168.8.0')).toBe(false);
    expect(list.allows('192.168.3.255')).toBe(false);
  });

  it('matches an IPv4 client seen as IPv4-mapped IPv6', () => {
    const list = allowlist(['203.0.113.0/24']);
    expect(list.allows('::ffff:203.0.113.9')).toBe(true);
    expect(list.allows('::FFFF:203.0.114.9')).toBe(false);
  });

  it('matches IPv6 CIDRs and keeps families apart', () => {
    const list = allowlist(['2001:db8:abcd::/48']);
    expect(list.allows('2001:db8:abcd:12::1')).toBe(true);
    expect(list.allows('2001:db8:abce::1')).toBe(false);
    expect(list.allows('203.0.113.1')).toBe(false);
    expect(allowlist(['0.0.0.0/0']).allows('::1')).toBe(false);
  });

  it('refuses what is not an address', () => {
    expect(allowlist(['10.0.0.0/8']).allows('not-an-ip')).toBe(false);
  });

  it('keeps the normalised entries', () => {
    expect(allowlist(['10.1.2.3/32', '2001:DB8::/32']).entries).toEqual([
      '10.1.2.3',
      '2001:db8::/32',
    ]);
  });
});
