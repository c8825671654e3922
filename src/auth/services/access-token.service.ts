import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
import { Algorithm, TokenExpiredError } from 'jsonwebtoken';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import {
  ACCESS_TOKEN_TYPE,
  CLOCK_TOLERANCE_SECONDS,
  JWT_ALGORITHM,
} from '../auth.constants';
import { AccessTokenClaims, Principal } from '../principal';
import { ALL_TIERS, Tier } from '../tier';
import { VerifiedTokenCache } from './verified-token-cache';
import { randomToken } from '../../common/random-token';

/** Enough for every live token of a large deployment; beyond it tokens are just re-verified. */
const VERIFIED_CACHE_ENTRIES = 100_000;

export interface IssuedAccessToken {
  token: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface AccessTokenSubject {
  userId: number;
  username: string;
  tier: Tier;
  tokenVersion: number;
  sessionId: string;
  /** The session's `amr` (RFC 8176) and `auth_time` (epoch seconds): a refresh carries them over. */
  amr: readonly string[];
  authTime: number;
}

/**
 * The key access tokens are signed and verified with. A KeyObject, not the
 * string: jsonwebtoken tries to parse a string secret as a PEM key on every
 * call (about 40x slower).
 */
export function accessTokenKey(config: AppConfig): KeyObject {
  return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
}

/**
 * What verifying an access token checks besides the signature, for every
 * verifier (JwtStrategy, and JwtService for sockets): the algorithm is
 * pinned, so `alg: none` or an RS256 token signed with the secret as a
 * "public key" never passes.
 */
export function accessTokenVerifyOptions(config: AppConfig): {
  algorithms: Algorithm[];
  issuer: string;
  audience: string;
  clockTolerance: number;
} {
  return {
    algorithms: [JWT_ALGORITHM],
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
}

/**
 * Signs and verifies access tokens (HS256 with a KeyObject, see
 * AuthModule). Verification checks signature, algorithm, iss, aud, exp and
 * the token type; verified tokens are memoised until exp, so a request whose
 * token was seen before costs a Map lookup. Revocation is not its business
 * (AccessTokenAuthenticator).
 */
@Injectable()
export class AccessTokenService {
  private readonly memo = new VerifiedTokenCache<Principal>(
    VERIFIED_CACHE_ENTRIES,
  );

  private readonly verifyOptions: ReturnType<typeof accessTokenVerifyOptions>;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {
    this.verifyOptions = accessTokenVerifyOptions(config);
  }

  issue(subject: AccessTokenSubject): IssuedAccessToken {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + this.config.accessTokenTtl;
    const claims: AccessTokenClaims = {
      sub: String(subject.userId),
      jti: randomToken(16),
      iat: now,
      exp: expiresAt,
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      typ: ACCESS_TOKEN_TYPE,
      sid: subject.sessionId,
      ver: subject.tokenVersion,
      username: subject.username,
      permission_tier: subject.tier,
      amr: [...subject.amr],
      auth_time: subject.authTime,
    };
    return {
      token: this.jwt.sign(claims, { algorithm: JWT_ALGORITHM }),
      expiresAt,
    };
  }

  /**
   * The principal a valid access token stands for; 401 token_invalid /
   * token_expired otherwise. Synchronous: the WebSocket handshake's path.
   */
  verify(token: string): Principal {
    const cached = this.verified(token);
    if (cached !== undefined) return cached;
    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token, this.verifyOptions);
    } catch (error) {
      throw verificationError(error);
    }
    const principal = this.principalFrom(claims);
    this.remember(token, principal);
    return principal;
  }

  /** The memoised principal of a token verified before, or undefined. */
  verified(token: string): Principal | undefined {
    return this.memo.get(token, Date.now());
  }

  /** Memoises a principal whose token was just verified, until the token expires. */
  remember(token: string, principal: Principal): void {
    this.memo.set(
      token,
      principal,
      (principal.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000,
    );
  }

  /** The principal of a correctly signed token's claims; 401 token_invalid when they are not an access token's. */
  principalFrom(claims: AccessTokenClaims): Principal {
    const principal = toPrincipal(claims);
    if (principal === undefined) {
      throw new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
    }
    return principal;
  }
}

/** The answer to a token jsonwebtoken refused: token_expired past exp, token_invalid for anything else. */
export function verificationError(error: unknown): ApiException {
  return error instanceof TokenExpiredError
    ? new ApiException(
        ErrorCode.TokenExpired,
        'Access token has expired; refresh it',
      )
    : new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
}

/** Checks the claims a correctly signed token must still have; undefined when one is off. */
function toPrincipal(claims: AccessTokenClaims): Principal | undefined {
  const id = Number(claims.sub);
  if (
    claims.typ !== ACCESS_TOKEN_TYPE ||
    !Number.isSafeInteger(id) ||
    typeof claims.jti !== 'string' ||
    typeof claims.sid !== 'string' ||
    typeof claims.username !== 'string' ||
    !Number.isSafeInteger(claims.ver) ||
    !Number.isSafeInteger(claims.exp) ||
    !ALL_TIERS.includes(claims.permission_tier)
  ) {
    return undefined;
  }
  const amr = claims.amr ?? ['pwd'];
  const authTime = claims.auth_time ?? claims.iat;
  if (
    !Array.isArray(amr) ||
    !amr.every((method) => typeof method === 'string') ||
    !Number.isSafeInteger(authTime)
  )
    return undefined;
  return Object.freeze({
    id,
    username: claims.username,
    tier: claims.permission_tier,
    sessionId: claims.sid,
    jti: claims.jti,
    expiresAt: claims.exp,
    tokenVersion: claims.ver,
    amr: Object.freeze([...amr]),
    authTime,
  });
}
