/** Metadata key of @Idempotent() (read by IdempotencyInterceptor and the OpenAPI document). */
export const IDEMPOTENT_KEY = 'idempotency:options';

/** The request header, as Node lower-cases it. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Sent on an answer that is a stored one, replayed. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Longest Idempotency-Key accepted (the 1-255 printable ASCII characters). */
export const MAX_KEY_LENGTH = 255;

/**
 * Largest response body kept for replay: a BLOB column on MySQL/MariaDB
 * holds 65,535 bytes. A bigger answer is sent but not kept, and its key is
 * released (logged), so a retry runs the handler again. The write routes of
 * this service answer a few hundred bytes.
 */
export const MAX_STORED_BODY_BYTES = 65_535;

/** Retry-After of `409 idempotency_key_in_use`: the first request is usually done within a second. */
export const IN_USE_RETRY_AFTER_SECONDS = 1;
