/** An answer kept for replay: what the first request's client received. */
export interface StoredResponse {
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  /** The body as sent, byte for byte. */
  body: Buffer;
}

/** A key this request holds while its handler runs; exactly one of the two is called. */
export interface Claim {
  /** Keeps the answer for `ttlMs`, if this request still holds the key. */
  complete(response: StoredResponse, ttlMs: number): Promise<void>;
  /** Lets the key go (a 5xx), if this request still holds it. */
  release(): Promise<void>;
}

/** What a request found under its scoped key. */
export type Begun =
  /** Nothing live: this request holds the key and runs the handler. */
  | { state: 'claimed'; claim: Claim }
  /** A finished request with the same fingerprint: replay its answer. */
  | { state: 'completed'; response: StoredResponse }
  /** A request with the same fingerprint still running. */
  | { state: 'in_flight' }
  /** The key was used for a different request (method, path or body). */
  | { state: 'mismatch' };

/**
 * Where keys and answers live: Redis (RedisIdempotencyStore) or the
 * database (DatabaseIdempotencyStore), chosen per request by
 * IdempotencyStores. `scope` is the hashed caller + method + route + key;
 * whichever of several racing requests claims it is decided by the store
 * (SET NX, or the table's primary key), never by this process.
 */
export interface IdempotencyStore {
  /** Claims `scope` for at most `inFlightMs`, or says what holds it. */
  begin(scope: string, fingerprint: string, inFlightMs: number): Promise<Begun>;
}
