import { rotationKey } from '../../sessions/services/refresh-token-secret';
import { normalisedAddress, ticketMacKey } from './ws-ticket.service';

describe(normalisedAddress.name, () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
    ['FE80::1%eth0', 'fe80::1%eth0'],
  ])('%s is %s', (given, expected) => {
    expect(normalisedAddress(given)).toBe(expected);
  });

  it.each([undefined, null, '', 'localhost', '203.0.113', '1.2.3.4.5', ':::'])(
    'is undefined for %p',
    (given) => {
      expect(normalisedAddress(given)).toBeUndefined();
    },
  );
});

describe(ticketMacKey.name, () => {
  it('follows the signing secret, and is not the key of another purpose', () => {
    const secret = 'e2e-secret-that-is-long-enough-0123456789';
    const key = ticketMacKey(secret);
    expect(key).toHaveLength(32);
    expect(key.equals(ticketMacKey(secret))).toBe(true);
    expect(key.equals(ticketMacKey(secret + 'x'))).toBe(false);
    expect(key.equals(rotationKey(secret))).toBe(false);
  });
});
