import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { DataDecryptionError, DataEncryption } from './data-encryption';

function encryption(key: Buffer, previous?: Buffer): DataEncryption {
  return new DataEncryption({
    dataEncryptionKey: key,
    dataEncryptionKeyPrevious: previous,
  } as AppConfig);
}

describe('DataEncryption', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and the sealed text holds no plaintext in any common encoding', () => {
    const box = encryption(key);
    const secret = Buffer.from('JBSWY3DPEHPK3PXP-seed');
    const sealed = box.seal('totp-seed', secret, 'user:7');
    for (const form of ['utf8', 'hex', 'base64', 'base64url'] as const) {
      expect(sealed).not.toContain(secret.toString(form));
    }
    expect(box.open('totp-seed', sealed, 'user:7')).toEqual(secret);
    // A fresh IV each time: the same plaintext never seals to the same text.
    expect(box.seal('totp-seed', secret, 'user:7')).not.toBe(sealed);
  });

  it.each([
    ['another purpose', 'signing-key', 'user:7'],
    ['another record', 'totp-seed', 'user:8'],
  ])('refuses a value read as %s', (_name, purpose, context) => {
    const box = encryption(key);
    const sealed = box.seal('totp-seed', 'seed', 'user:7');
    expect(() => box.open(purpose, sealed, context)).toThrow(
      DataDecryptionError,
    );
  });

  it('refuses an altered value', () => {
    const box = encryption(key);
    const sealed = box.seal('totp-seed', 'seed');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open('totp-seed', parts.join('.'))).toThrow(
      DataDecryptionError,
    );
    expect(() => box.open('totp-seed', 'not-sealed')).toThrow(
      DataDecryptionError,
    );
  });

  it('names the key a value needs when the server holds another', () => {
    const sealed = encryption(key).seal('signing-key', 'private');
    const other = encryption(randomBytes(32));
    expect(() => other.open('signing-key', sealed)).toThrow(
      /sealed under data encryption key [0-9a-f]{8}, which is neither DATA_ENCRYPTION_KEY/,
    );
  });

  it('reads values under DATA_ENCRYPTION_KEY_PREVIOUS and says they need sealing again', () => {
    const old = encryption(key);
    const sealed = old.seal('signing-key', 'private', 'kid-1');
    const rotated = encryption(randomBytes(32), key);
    expect(rotated.open('signing-key', sealed, 'kid-1').toString()).toBe(
      'private',
    );
    expect(rotated.needsReseal(sealed)).toBe(true);
    const resealed = rotated.seal('signing-key', 'private', 'kid-1');
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(old.needsReseal(sealed)).toBe(false);
  });

  it('derives distinct keys per purpose', () => {
    const box = encryption(key);
    expect(box.deriveKey('a')).toHaveLength(32);
    expect(box.deriveKey('a')).toEqual(box.deriveKey('a'));
    expect(box.deriveKey('a')).not.toEqual(box.deriveKey('b'));
  });
});
