import { Injectable } from '@nestjs/common';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { Principal } from '../principal';
import { RevocationEvent } from '../../revocation/revocation-event';
import { RevocationService } from '../../revocation/revocation.service';
import { AccessTokenService } from './access-token.service';

/**
 * The one answer to "who does this access token stand for, right now?",
 * shared by the REST guard (with JwtStrategy verifying what the memo has not
 * seen) and the WebSocket handshake. I/O-free on purpose: it runs on every
 * request, and a memoised token is answered synchronously.
 */
@Injectable()
export class AccessTokenAuthenticator {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly revocation: RevocationService,
  ) {}

  /** True under HS256: the REST guard then verifies a token's first request through passport-jwt. */
  get symmetric(): boolean {
    return this.tokens.symmetric;
  }

  async authenticate(token: string): Promise<Principal> {
    return this.admit(await this.tokens.verify(token));
  }

  /**
   * The principal of a token verified before (the memo), if it still
   * stands; undefined when the token has not been verified yet. No HMAC and
   * no passport: the REST guard's path for every request after a token's first.
   */
  authenticateVerified(token: string): Principal | undefined {
    const principal = this.tokens.verified(token);
    return principal === undefined ? undefined : this.admit(principal);
  }

  /** `principal` if its token has not been revoked; 401 token_revoked otherwise. */
  admit(principal: Principal): Principal {
    if (this.revocation.isRevoked(principal)) {
      // Not "or refresh": a logout, a disabled account or a revoke of the
      // user's sessions ends the refresh token with the access token.
      throw new ApiException(
        ErrorCode.TokenRevoked,
        'Access token has been revoked; log in again',
      );
    }
    return principal;
  }

  /** Tells `listener` of every revocation, from this or another instance (sockets close on it). */
  onRevoked(listener: (event: RevocationEvent) => void): () => void {
    return this.revocation.onRevoked(listener);
  }

  /** Whether a principal authenticated earlier still stands (used by long-lived sockets). */
  isRevoked(principal: Principal): boolean {
    return this.revocation.isRevoked(principal);
  }
}
