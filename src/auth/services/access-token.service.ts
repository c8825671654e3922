import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { TokenExpiredError } from 'jsonwebtoken';
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
}

/**
 * Signs and verifies access tokens (HS256 with a KeyObject, see
 * AuthModule). Verification checks signature, algorithm, iss, aud, exp and
 * the token type, then memoises the result until exp. Revocation is not its
 * business (AccessTokenAuthenticator).
 */
@Injectable()
export class AccessTokenService {
  private readonly verified = new VerifiedTokenCache<Principal>(
    VERIFIED_CACHE_ENTRIES,
  );

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  issue(subject: AccessTokenSubject): IssuedAccessToken {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + this.config.accessTokenTtl;
    const claims: AccessTokenClaims = {
      sub: String(subject.userId),
      jti: randomBytes(16).toString('base64url'),
      iat: now,
      exp: expiresAt,
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      typ: ACCESS_TOKEN_TYPE,
      sid: subject.sessionId,
      ver: subject.tokenVersion,
      username: subject.username,
      permission_tier: subject.tier,
    };
    return {
      token: this.jwt.sign(claims, { algorithm: JWT_ALGORITHM }),
      expiresAt,
    };
  }

  /** The principal a valid access token stands for; 401 token_invalid / token_expired otherwise. */
  verify(token: string): Principal {
    const nowMs = Date.now();
    const cached = this.verified.get(token, nowMs);
    if (cached !== undefined) return cached;

    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
    } catch (error) {
      if (error instanceof TokenExpiredError) {
        throw new ApiException(
          ErrorCode.TokenExpired,
          'Access token has expired; refresh it',
        );
      }
      throw new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
    }
    const principal = toPrincipal(claims);
    if (principal === undefined) {
      throw new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
    }
    this.verified.set(
      token,
      principal,
      (principal.expiresAt + CLOCK_TOLERANCE_SECONDS) * 1000,
    );
    return principal;
  }
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
  return Object.freeze({
    id,
    username: claims.username,
    tier: claims.permission_tier,
    sessionId: claims.sid,
    jti: claims.jti,
    expiresAt: claims.exp,
    tokenVersion: claims.ver,
  });
}
