import { isApiKeyId, parseApiKey } from './api-key-format';
import {
  EMPTY_BODY_SHA256,
  PresentedSignature,
  presentedSignature,
  RECV_WINDOW_HEADER,
  SIGNATURE_HEADER,
  SignedRequestParts,
  TIMESTAMP_HEADER,
} from './request-signature';

/** What of an HTTP request a key's proof may cover (a FastifyRequest is one). */
export interface SignableRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Hex SHA-256 of the raw body, kept for signed requests (signed-body.ts). */
  readonly bodySha256?: string | null;
}

/** A key as a request presents it. */
export type PresentedKey =
  | { type: 'secret'; id: string; secret: string }
  | {
      type: 'ed25519';
      id: string;
      /** Undefined when X-API-Timestamp or X-API-Signature is missing. */
      signature: PresentedSignature | undefined;
      parts: SignedRequestParts;
    };

/**
 * `X-API-Key: tak_<id>.<secret>` is a secret key; `X-API-Key: <id>` alone
 * asks for a signed request, whose signature headers are read here (a
 * malformed timestamp or window is 400, a signature that cannot be one is
 * 401 signature_invalid). Undefined for anything else, which is no key.
 */
export function presentedKey(
  header: string,
  request: SignableRequest,
): PresentedKey | undefined {
  const secret = parseApiKey(header);
  if (secret) return { type: 'secret', ...secret };
  if (!isApiKeyId(header)) return undefined;
  const { headers } = request;
  return {
    type: 'ed25519',
    id: header,
    signature: presentedSignature(
      headers[TIMESTAMP_HEADER],
      headers[SIGNATURE_HEADER],
      headers[RECV_WINDOW_HEADER],
    ),
    parts: {
      method: request.method,
      url: request.url,
      bodySha256: request.bodySha256 ?? EMPTY_BODY_SHA256,
    },
  };
}
