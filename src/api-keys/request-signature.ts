import { hash, KeyObject, verify } from 'node:crypto';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';

/** The headers of a signed request, besides `X-API-Key: <id>`. */
export const TIMESTAMP_HEADER = 'x-api-timestamp';
export const SIGNATURE_HEADER = 'x-api-signature';
export const RECV_WINDOW_HEADER = 'x-api-recv-window';

/** How old a timestamp may be without X-API-Recv-Window, in ms (Binance's default too). */
export const DEFAULT_RECV_WINDOW_MS = 5_000;
/** The longest X-API-Recv-Window a client may ask for. */
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server's clock a timestamp may be. */
export const MAX_AHEAD_MS = 1_000;

/** Hex SHA-256 of the empty string: the body part of a request without a body. */
export const EMPTY_BODY_SHA256 = hash('sha256', '', 'hex');

/** An Ed25519 signature is 64 bytes: 88 characters of standard base64, padded. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}==$/;
/** Milliseconds since the epoch: digits only, no sign, no exponent. */
const DIGITS = /^\d{1,15}$/;

/** What the request says about its signature, read from its headers. */
export interface PresentedSignature {
  /** The timestamp exactly as sent (the signed string holds it as text). */
  timestampText: string;
  timestampMs: number;
  recvWindowMs: number;
  signature: Buffer;
}

/** The parts of a request the signature covers. */
export interface SignedRequestParts {
  method: string;
  /** Path and query exactly as sent (the request line's target). */
  url: string;
  /** Hex SHA-256 of the raw body (EMPTY_BODY_SHA256 without one). */
  bodySha256: string;
}

/** One header's value; a repeated header is refused rather than joined. */
type HeaderValue = string | string[] | undefined;

/**
 * The signature headers, checked for form only (no key is read yet):
 * undefined when the timestamp or the signature is missing (the caller
 * answers signature_required once it knows the key needs one); 400 for a
 * timestamp or window that is not a number in range; 401 signature_invalid
 * for a signature that cannot be one (not 64 bytes of base64).
 */
export function presentedSignature(
  timestamp: HeaderValue,
  signature: HeaderValue,
  recvWindow: HeaderValue,
): PresentedSignature | undefined {
  if (timestamp === undefined || signature === undefined) return undefined;
  if (typeof timestamp !== 'string' || !DIGITS.test(timestamp))
    throw new ApiException(
      ErrorCode.ValidationError,
      'X-API-Timestamp must be milliseconds since the epoch, digits only',
    );
  let recvWindowMs = DEFAULT_RECV_WINDOW_MS;
  if (recvWindow !== undefined) {
    recvWindowMs =
      typeof recvWindow === 'string' && /^\d{1,5}$/.test(recvWindow)
        ? Number(recvWindow)
        : NaN;
    if (!(recvWindowMs >= 1 && recvWindowMs <= MAX_RECV_WINDOW_MS))
      throw new ApiException(
        ErrorCode.ValidationError,
        `X-API-Recv-Window must be an integer from 1 to ${MAX_RECV_WINDOW_MS} (ms)`,
      );
  }
  if (typeof signature !== 'string' || !SIGNATURE_BASE64.test(signature))
    throw signatureInvalid();
  return {
    timestampText: timestamp,
    timestampMs: Number(timestamp),
    recvWindowMs,
    signature: Buffer.from(signature, 'base64'),
  };
}

/**
 * The string a client signs:
 * `<timestamp>\n<METHOD>\n<path and query as sent>\n<hex SHA-256 of the body>`.
 */
export function signingString(
  timestampText: string,
  parts: SignedRequestParts,
): string {
  return `${timestampText}\n${parts.method}\n${parts.url}\n${parts.bodySha256}`;
}

/**
 * 401 timestamp_out_of_window when the timestamp is older than its window
 * or more than MAX_AHEAD_MS ahead of `nowMs`; undefined when it is inside.
 * The edges count as inside.
 */
export function windowRefusal(
  presented: PresentedSignature,
  nowMs: number,
): ApiException | undefined {
  const age = nowMs - presented.timestampMs;
  if (age > presented.recvWindowMs)
    return new TimestampOutOfWindow(
      `X-API-Timestamp is ${age} ms old; the window is ${presented.recvWindowMs} ms`,
      nowMs,
    );
  if (-age > MAX_AHEAD_MS)
    return new TimestampOutOfWindow(
      `X-API-Timestamp is ${-age} ms ahead of the server's clock; at most ${MAX_AHEAD_MS} ms is allowed (GET /time)`,
      nowMs,
    );
  return undefined;
}

/**
 * Whether the signature is the key's over this request (node:crypto, that
 * is OpenSSL's Ed25519). Every signature is new, so no memo can spare the
 * verification: it is the one cost a signed request adds to a secret key's.
 */
export function signatureVerifies(
  publicKey: KeyObject,
  presented: PresentedSignature,
  parts: SignedRequestParts,
): boolean {
  try {
    return verify(
      null,
      Buffer.from(signingString(presented.timestampText, parts), 'utf8'),
      publicKey,
      presented.signature,
    );
  } catch {
    return false;
  }
}

/** Until when a signature could still be accepted: the end of its window, as this server's clock sees it. */
export function acceptableUntilMs(presented: PresentedSignature): number {
  return presented.timestampMs + presented.recvWindowMs;
}

export function signatureInvalid(): ApiException {
  return new ApiException(
    ErrorCode.SignatureInvalid,
    'X-API-Signature does not verify: sign <timestamp>\\n<METHOD>\\n<path and query>\\n<hex SHA-256 of the body> with the key',
  );
}

/** 401 timestamp_out_of_window, with the server's clock in the body for the client to sign against. */
export class TimestampOutOfWindow extends ApiException {
  constructor(
    message: string,
    readonly serverTimeMs: number,
  ) {
    super(ErrorCode.TimestampOutOfWindow, message);
  }

  override get body() {
    return { ...super.body, server_time: this.serverTimeMs };
  }
}
