import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { MAX_KEY_LENGTH } from './idempotency.constants';

/** 1 to 255 characters from space (0x20) to tilde (0x7E). */
const PRINTABLE_ASCII = new RegExp(`^[\\x20-\\x7e]{1,${MAX_KEY_LENGTH}}$`);

/**
 * The Idempotency-Key of a request, or undefined when it has none. `values`
 * is every field line of the header (Node's headersDistinct): Node joins
 * repeated lines with ", " in `headers`, which would make two keys look
 * like one valid key. The key is opaque: compared as sent, quotes and all.
 * Node has already trimmed surrounding spaces; bytes above 0x7E reach us as
 * Latin-1 characters and are refused like control characters.
 */
export function parseIdempotencyKey(
  values: readonly string[] | undefined,
): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1)
    throw new ApiException(
      ErrorCode.ValidationError,
      'Send one Idempotency-Key header, not several',
    );
  const [key] = values;
  if (!PRINTABLE_ASCII.test(key))
    throw new ApiException(
      ErrorCode.ValidationError,
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters`,
    );
  return key;
}
