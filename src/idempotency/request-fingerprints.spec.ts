import { createHash, createHmac, hash, randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { DataEncryption } from '../encryption/data-encryption';
import { RequestFingerprints } from './request-fingerprints.service';

function fingerprints(key = randomBytes(32)): RequestFingerprints {
  return new RequestFingerprints(
    new DataEncryption({ dataEncryptionKey: key } as AppConfig),
  );
}

const digest = (body: string) => hash('sha256', body, 'buffer');

describe(RequestFingerprints.name, () => {
  const key = randomBytes(32);
  const prints = fingerprints(key);
  const body =
    '{"username":"trader9","password":"a password","permission_tier":2}';

  it('is the same for the same method, path and raw body, and differs when any changes', () => {
    const base = prints.fingerprint('POST', '/admin/users', digest(body));
    expect(prints.fingerprint('POST', '/admin/users', digest(body))).toBe(base);
    for (const other of [
      prints.fingerprint('PATCH', '/admin/users', digest(body)),
      prints.fingerprint('POST', '/admin/users?x=1', digest(body)),
      prints.fingerprint('POST', '/admin/users', digest(body + ' ')),
      prints.fingerprint('POST', '/admin/users', null),
    ])
      expect(other).not.toBe(base);
    // No body is the empty body.
    expect(prints.fingerprint('POST', '/a', null)).toBe(
      prints.fingerprint('POST', '/a', digest('')),
    );
  });

  it('is keyed: no unkeyed digest of the body, and another DATA_ENCRYPTION_KEY gives another fingerprint', () => {
    const print = prints.fingerprint('POST', '/admin/users', digest(body));
    const unkeyed = createHash('sha256')
      .update(`POST\n/admin/users\n`)
      .update(digest(body))
      .digest('hex');
    expect(print).not.toBe(unkeyed);
    expect(print).not.toBe(createHash('sha256').update(body).digest('hex'));
    expect(print).not.toBe(
      createHmac('sha256', key)
        .update(`POST\n/admin/users\n`)
        .update(digest(body))
        .digest('hex'),
    );
    expect(
      fingerprints().fingerprint('POST', '/admin/users', digest(body)),
    ).not.toBe(print);
  });

  it('is HMAC-SHA256 under the derived key, as createHmac computes it', () => {
    const derived = new DataEncryption({
      dataEncryptionKey: key,
    } as AppConfig).deriveKey('idempotency-fingerprint');
    for (const [method, url, raw] of [
      ['POST', '/admin/users', body],
      ['PATCH', '/orders/7?x=1', ''],
      ['POST', `/${'p'.repeat(300)}`, 'x'.repeat(5000)],
    ])
      expect(prints.fingerprint(method, url, digest(raw))).toBe(
        createHmac('sha256', derived)
          .update(`${method}\n${url}\n`)
          .update(digest(raw))
          .digest('hex'),
      );
  });

  it('scopes a key to its caller, method and route', () => {
    const base = prints.scope('user:1', 'POST', '/orders', 'k');
    expect(prints.scope('user:1', 'POST', '/orders', 'k')).toBe(base);
    for (const other of [
      prints.scope('user:2', 'POST', '/orders', 'k'),
      prints.scope('key:1', 'POST', '/orders', 'k'),
      prints.scope('user:1', 'PATCH', '/orders', 'k'),
      prints.scope('user:1', 'POST', '/orders/:id', 'k'),
      prints.scope('user:1', 'POST', '/orders', 'k2'),
    ])
      expect(other).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
