import { formatEntry, IpAllowlist, parseAllowlistEntry } from './ip-allowlist';

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

describe(IpAllowlist.name, () => {
  it('allows every address when empty', () => {
    expect(new IpAllowlist([]).allows('198.51.100.1')).toBe(true);
  });

  it('matches single addresses exactly', () => {
    const list = new IpAllowlist(['127.0.0.1']);
    expect(list.allows('127.0.0.1')).toBe(true);
    expect(list.allows('127.0.0.23')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
  });

  it('matches IPv4 CIDRs at their edges', () => {
    const list = new IpAllowlist(['192.168.4.0/22']);
    expect(list.allows('192.168.4.0')).toBe(true);
    expect(list.allows('192.168.7.255')).toBe(true);
    expect(list.allows('192.168.8.0')).toBe(false);
    expect(list.allows('192.168.3.255')).toBe(false);
  });

  it('matches an IPv4 client seen as IPv4-mapped IPv6', () => {
    const list = new IpAllowlist(['203.0.113.0/24']);
    expect(list.allows('::ffff:203.0.113.9')).toBe(true);
    expect(list.allows('::FFFF:203.0.114.9')).toBe(false);
  });

  it('matches IPv6 CIDRs and keeps families apart', () => {
    const list = new IpAllowlist(['2001:db8:abcd::/48']);
    expect(list.allows('2001:db8:abcd:12::1')).toBe(true);
    expect(list.allows('2001:db8:abce::1')).toBe(false);
    expect(list.allows('203.0.113.1')).toBe(false);
    expect(new IpAllowlist(['0.0.0.0/0']).allows('::1')).toBe(false);
  });

  it('refuses what is not an address', () => {
    expect(new IpAllowlist(['10.0.0.0/8']).allows('not-an-ip')).toBe(false);
  });

  it('keeps the normalised entries', () => {
    expect(new IpAllowlist(['10.1.2.3/32', '2001:DB8::/32']).entries).toEqual([
      '10.1.2.3',
      '2001:db8::/32',
    ]);
  });
});
