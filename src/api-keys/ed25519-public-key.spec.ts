import { generateKeyPairSync } from 'node:crypto';
import { parseEd25519PublicKey } from './ed25519-public-key';

describe(parseEd25519PublicKey.name, () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');

  it('takes the 32 raw bytes in base64, padded or not, and a PEM SPKI', () => {
    expect(parseEd25519PublicKey(raw.toString('base64'))).toEqual({ raw });
    expect(
      parseEd25519PublicKey(raw.toString('base64').replace(/=$/, '')),
    ).toEqual({ raw });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(parseEd25519PublicKey(pem)).toEqual({ raw });
    expect(parseEd25519PublicKey(pem.replace(/\n/g, '\r\n'))).toEqual({ raw });
  });

  it.each([
    ['31 bytes', Buffer.alloc(31).toString('base64'), /32 bytes; this is 31/],
    ['33 bytes', Buffer.alloc(33).toString('base64'), /32 bytes; this is 33/],
    ['base64url', Buffer.alloc(32, 0xfb).toString('base64url'), /base64/],
    ['no base64', 'hello world', /base64/],
    ['an empty string', '', /base64/],
    [
      'a private key',
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      /never send a private key/,
    ],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string,
      /type rsa;/,
    ],
    [
      'an X25519 key',
      generateKeyPairSync('x25519').publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string,
      /type x25519;/,
    ],
    [
      'a PEM that does not parse',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      /not a valid PEM/,
    ],
  ])('refuses %s, saying why', (_why, text, problem) => {
    const parsed = parseEd25519PublicKey(text);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});
