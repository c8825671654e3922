import { createPublicKey, KeyObject } from 'node:crypto';

/** An Ed25519 public key is 32 bytes (RFC 8032). */
const RAW_LENGTH = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The only PEM taken: a public key. A private key's PEM is refused, never turned into its public half. */
const PEM_HEADER = '-----BEGIN PUBLIC KEY-----';

/**
 * The 32 raw bytes of an Ed25519 public key given as `public_key`: their
 * standard base64 (padding optional), or a PEM SPKI (`-----BEGIN PUBLIC
 * KEY-----`, as `openssl pkey -pubout` and Python's `cryptography` write
 * it). Anything else gets what is wrong with it, in words: not base64, not
 * 32 bytes, a PEM that does not parse, is not a public key, or holds a key
 * of another algorithm (RSA, P-256, X25519).
 */
export function parseEd25519PublicKey(
  text: string,
): { raw: Buffer } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----')) {
    if (!trimmed.startsWith(PEM_HEADER))
      return {
        problem: `public_key must be a PEM SPKI public key (${PEM_HEADER}); never send a private key`,
      };
    let key: KeyObject;
    try {
      key = createPublicKey({ key: trimmed, format: 'pem' });
    } catch {
      return { problem: 'public_key is not a valid PEM SPKI public key' };
    }
    if (key.asymmetricKeyType !== 'ed25519')
      return {
        problem: `public_key holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; an Ed25519 public key is needed`,
      };
    const { x } = key.export({ format: 'jwk' });
    return { raw: Buffer.from(x ?? '', 'base64url') };
  }
  if (!BASE64.test(trimmed))
    return {
      problem: 'public_key must be the 32 raw bytes in base64, or a PEM SPKI',
    };
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== RAW_LENGTH)
    return { problem: `public_key must be 32 bytes; this is ${raw.length}` };
  // Buffer.from skips what it cannot decode; only the canonical spelling of 32 bytes passes.
  if (raw.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, ''))
    return { problem: 'public_key is not canonical base64' };
  return { raw };
}

/**
 * The key node:crypto verifies with, from the stored raw bytes (base64url):
 * built once when the key is read and memoised with it, never per request.
 */
export function ed25519KeyObject(rawBase64url: string): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: rawBase64url },
    format: 'jwk',
  });
}
