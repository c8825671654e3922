import { generateKeyPairSync, sign } from 'node:crypto';
import { ApiException } from '../common/api.exception';
import {
  EMPTY_BODY_SHA256,
  presentedSignature,
  signatureVerifies,
  signingString,
  windowRefusal,
} from './request-signature';

const SIGNATURE = Buffer.alloc(64, 1).toString('base64');

describe(presentedSignature.name, () => {
  it('is undefined while the timestamp or the signature is missing', () => {
    expect(presentedSignature(undefined, SIGNATURE, undefined)).toBeUndefined();
    expect(presentedSignature('1', undefined, undefined)).toBeUndefined();
  });

  it('reads the timestamp as text and number, and the window with its default', () => {
    expect(presentedSignature('1700000000000', SIGNATURE, undefined)).toEqual({
      timestampText: '1700000000000',
      timestampMs: 1_700_000_000_000,
      recvWindowMs: 5_000,
      signature: Buffer.alloc(64, 1),
    });
    expect(presentedSignature('1', SIGNATURE, '60000')?.recvWindowMs).toBe(
      60_000,
    );
    expect(presentedSignature('1', SIGNATURE, '1')?.recvWindowMs).toBe(1);
  });

  it.each([
    ['a timestamp that is not digits', ['1e12', SIGNATURE, undefined]],
    ['a repeated timestamp', [['1', '2'], SIGNATURE, undefined]],
    ['a window of 0', ['1', SIGNATURE, '0']],
    ['a window over 60 s', ['1', SIGNATURE, '60001']],
    ['a window with a unit', ['1', SIGNATURE, '5s']],
  ])('refuses %s with 400', (_why, args) => {
    const [timestamp, signature, window] = args as [string, string, string];
    expect(() => presentedSignature(timestamp, signature, window)).toThrow(
      expect.objectContaining({ code: 'validation_error' }),
    );
  });

  it.each([
    ['63 bytes', Buffer.alloc(63).toString('base64')],
    ['base64url', Buffer.alloc(64, 0xff).toString('base64url')],
    ['a repeated header', [SIGNATURE, SIGNATURE]],
  ])('refuses a signature of %s as signature_invalid', (_why, signature) => {
    expect(() => presentedSignature('1', signature, undefined)).toThrow(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
  });
});

describe(windowRefusal.name, () => {
  const at = (timestampMs: number, recvWindowMs = 5_000) => ({
    timestampText: String(timestampMs),
    timestampMs,
    recvWindowMs,
    signature: Buffer.alloc(64),
  });
  const now = 1_700_000_000_000;

  it('accepts the edges of the window and refuses a millisecond past them', () => {
    expect(windowRefusal(at(now - 5_000), now)).toBeUndefined();
    expect(windowRefusal(at(now + 1_000), now)).toBeUndefined();
    expect(windowRefusal(at(now - 60_000, 60_000), now)).toBeUndefined();
    for (const presented of [
      at(now - 5_001),
      at(now + 1_001),
      at(now - 2, 1),
    ]) {
      const refusal = windowRefusal(presented, now);
      expect(refusal).toBeInstanceOf(ApiException);
      expect(refusal?.body).toEqual({
        error: expect.any(String),
        code: 'timestamp_out_of_window',
        server_time: now,
      });
    }
  });
});

describe(signatureVerifies.name, () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const parts = {
    method: 'GET',
    url: '/auth/me?x=1',
    bodySha256: EMPTY_BODY_SHA256,
  };

  it('verifies a signature over the documented string', () => {
    const message = `1700000000000\nGET\n/auth/me?x=1\n${EMPTY_BODY_SHA256}`;
    expect(signingString('1700000000000', parts)).toBe(message);
    const signature = sign(null, Buffer.from(message), privateKey);
    const presented = presentedSignature(
      '1700000000000',
      signature.toString('base64'),
      undefined,
    )!;
    expect(signatureVerifies(publicKey, presented, parts)).toBe(true);
    expect(
      signatureVerifies(publicKey, presented, { ...parts, url: '/auth/me' }),
    ).toBe(false);
  });
});
