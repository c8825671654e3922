import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
import { Algorithm, TokenExpiredError } from 'jsonwebtoken';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import {
  ACCESS_TOKEN_TYPE,
  CLOCK_TOLERANCE_SECONDS,
  HS256,
} from '../auth.constants';
import { AccessTokenClaims, Principal } from '../principal';
import { ALL_TIERS, Tier } from '../tier';
import { VerifiedTokenCache } from './verified-token-cache';
import { randomToken } from '../../common/random-token';
import { SigningKeys } from '../../tokens/signing-keys.service';

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
    algorithms: [HS256],
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
}

/** Headers that would let a token name its own key (RFC 8725 3.10): never honoured, always refused. */
const KEY_SELECTING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/**
 * Signs and verifies access tokens: ES256 or EdDSA (jose) with this
 * deployment's signing keys, the header carrying `kid` and the key's own
 * `alg`; or HS256 (jsonwebtoken, a KeyObject, see AuthModule) with
 * JWT_SECRET. Verification checks signature, algorithm, iss, aud, exp and
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
    private readonly keys: SigningKeys,
  ) {
    this.verifyOptions = accessTokenVerifyOptions(config);
  }

  /** True under HS256, where passport-jwt (JwtStrategy) verifies a token's first request. */
  get symmetric(): boolean {
    return this.config.jwtAlgorithm === HS256;
  }

  async issue(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
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
    if (this.symmetric)
      return { token: this.jwt.sign(claims, { algorithm: HS256 }), expiresAt };
    let signer = this.keys.signer();
    if (signer === undefined) {
      // The current key was just revoked: its replacement is in the table.
      await this.keys.reload();
      signer = this.keys.signer();
    }
    if (signer === undefined)
      throw new ApiException(
        ErrorCode.ServiceUnavailable,
        'No signing key is available; try again shortly',
        { 'Retry-After': '1' },
      );
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
      .sign(signer.privateKey);
    return { token, expiresAt };
  }

  /**
   * The principal a valid access token stands for; 401 token_invalid /
   * token_expired otherwise (token_revoked for a revoked signing key's).
   */
  async verify(token: string): Promise<Principal> {
    const cached = this.verified(token);
    if (cached !== undefined) return cached;
    const principal = this.symmetric
      ? this.verifySymmetric(token)
      : await this.verifyAsymmetric(token);
    this.remember(token, principal);
    return principal;
  }

  private verifySymmetric(token: string): Principal {
    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token, this.verifyOptions);
    } catch (error) {
      throw verificationError(error);
    }
    return this.principalFrom(claims);
  }

  /**
   * The key is this deployment's own, chosen by `kid` alone, and the
   * algorithm is that key's: a token's `alg` can neither switch to HS256
   * with the public key as secret nor bring a key of its own.
   */
  private async verifyAsymmetric(token: string): Promise<Principal> {
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalidToken();
    }
    if (KEY_SELECTING_HEADERS.some((name) => name in header))
      throw invalidToken();
    if (header.alg === HS256 && header.kid === undefined)
      return this.verifyFromBeforeTheMove(token);
    if (typeof header.kid !== 'string') throw invalidToken();
    const key = this.keys.verificationKey(header.kid);
    if (key === undefined || header.alg !== key.alg) throw invalidToken();
    let claims: AccessTokenClaims;
    try {
      const verified = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      claims = verified.payload as unknown as AccessTokenClaims;
    } catch (error) {
      throw verificationError(error);
    }
    if (key.revoked)
      throw new ApiException(
        ErrorCode.TokenRevoked,
        'Access token has been revoked; log in again',
      );
    return this.principalFrom(claims, key.kid);
  }

  /**
   * An HS256 token issued before this deployment moved to ES256/EdDSA: good
   * until it expires (it was issued before the first key signed, and lives
   * no longer than ACCESS_TOKEN_TTL), never after.
   */
  private verifyFromBeforeTheMove(token: string): Principal {
    const before = this.keys.symmetricTokensIssuedBefore();
    const principal = this.verifySymmetric(token);
    const claims = this.jwt.decode<AccessTokenClaims>(token);
    if (
      claims.iat * 1000 >= before ||
      claims.exp - claims.iat > this.config.accessTokenTtl
    )
      throw invalidToken();
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
  principalFrom(claims: AccessTokenClaims, kid?: string): Principal {
    const principal = toPrincipal(claims, kid);
    if (principal === undefined) {
      throw new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
    }
    return principal;
  }
}

function invalidToken(): ApiException {
  return new ApiException(ErrorCode.TokenInvalid, 'Access token is invalid');
}

/**
 * The answer to a token jsonwebtoken or jose refused: token_expired past
 * exp, token_invalid for anything else (what the verifier threw, as it is,
 * when it is already this API's answer).
 */
export function verificationError(error: unknown): ApiException {
  if (error instanceof ApiException) return error;
  return error instanceof TokenExpiredError ||
    error instanceof errors.JWTExpired
    ? new ApiException(
        ErrorCode.TokenExpired,
        'Access token has expired; refresh it',
      )
    : invalidToken();
}

/** Checks the claims a correctly signed token must still have; undefined when one is off. */
function toPrincipal(
  claims: AccessTokenClaims,
  kid: string | undefined,
): Principal | undefined {
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
    ...(Number.isSafeInteger(claims.iat) && { issuedAt: claims.iat }),
    ...(kid !== undefined && { kid }),
  });
}
