/** What the revocation state learnt, for listeners such as the WebSocket gateway. */
export type RevocationEvent =
  | { kind: 'token'; jti: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'user'; userId: number; tokenVersion: number }
  | { kind: 'api_key'; keyId: string; userId: number }
  /** A signing key revoked: every token whose `kid` it is. */
  | { kind: 'sig_key'; keyId: string };
