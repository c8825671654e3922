import { JwtService } from '@nestjs/jwt';
import { JsonWebTokenError, sign, TokenExpiredError } from 'jsonwebtoken';
import passport from 'passport';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { JWT_STRATEGY } from '../auth.constants';
import { AccessTokenClaims, Principal } from '../principal';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';
import {
  accessTokenKey,
  AccessTokenService,
} from '../services/access-token.service';
import { Tier } from '../tier';
import type { SigningKeys } from '../../tokens/signing-keys.service';
import { JwtStrategy } from './jwt.strategy';

const config = {
  jwtSecret: 'unit-secret-that-is-long-enough-0123456789',
  jwtIssuer: 'trading-auth',
  jwtAudience: 'trading-api',
  accessTokenTtl: 900,
  jwtAlgorithm: 'HS256',
} as AppConfig;
const key = accessTokenKey(config);
const tokens = new AccessTokenService(
  new JwtService({ secret: key }),
  config,
  {} as SigningKeys, // HS256: no signing keys
);
const revoked = new Set<string>();
const authenticator = {
  admit(principal: Principal) {
    if (revoked.has(principal.jti))
      throw new ApiException(ErrorCode.TokenRevoked, 'revoked');
    return principal;
  },
} as AccessTokenAuthenticator;
// Constructing it registers it with passport under JWT_STRATEGY.
new JwtStrategy(config, tokens, authenticator);

function claims(overrides: Partial<AccessTokenClaims> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: '7',
    jti: 'jti-of-7',
    iat: now,
    exp: now + 60,
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    typ: 'access',
    sid: 'session-of-7',
    ver: 0,
    username: 'trader7',
    permission_tier: Tier.Trader,
    ...overrides,
  };
}

/** passport's verdict on a request carrying `token`, the way AuthGuard asks for it. */
function authenticate(
  token: string,
): Promise<{ error: unknown; user: unknown; info: unknown }> {
  return new Promise((resolve) => {
    const request = { headers: { authorization: `Bearer ${token}` } };
    passport.authenticate(
      JWT_STRATEGY,
      { session: false },
      (error: unknown, user: unknown, info: unknown) =>
        resolve({ error, user, info }),
    )(request, {}, () => undefined);
  });
}

describe(JwtStrategy.name, () => {
  beforeEach(() => revoked.clear());

  it('turns a valid access token into its principal', async () => {
    const verdict = await authenticate(sign(claims(), key));
    expect(verdict.error).toBeNull();
    expect(verdict.user).toEqual({
      id: 7,
      username: 'trader7',
      tier: Tier.Trader,
      sessionId: 'session-of-7',
      jti: 'jti-of-7',
      expiresAt: claims().exp,
      tokenVersion: 0,
      // A token without amr/auth_time (issued before them) is a password login at iat.
      amr: ['pwd'],
      authTime: expect.any(Number),
      issuedAt: claims().iat,
    });
    const withMfa = await authenticate(
      sign(claims({ amr: ['pwd', 'otp'], auth_time: 1_764_000_000 }), key),
    );
    expect(withMfa.user).toMatchObject({
      amr: ['pwd', 'otp'],
      authTime: 1_764_000_000,
    });
  });

  it('accepts HS256 only, even signed with the right secret', async () => {
    for (const algorithm of ['HS384', 'HS512'] as const) {
      const verdict = await authenticate(sign(claims(), key, { algorithm }));
      expect(verdict.user).toBe(false);
      expect(verdict.info).toBeInstanceOf(JsonWebTokenError);
    }
    const unsigned = sign(claims(), '', { algorithm: 'none' });
    expect((await authenticate(unsigned)).user).toBe(false);
  });

  it('pins the issuer and the audience', async () => {
    for (const wrong of [{ iss: 'someone-else' }, { aud: 'another-api' }]) {
      const verdict = await authenticate(sign(claims(wrong), key));
      expect(verdict.user).toBe(false);
      expect(verdict.info).toBeInstanceOf(JsonWebTokenError);
    }
  });

  it('refuses an expired token as expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const verdict = await authenticate(
      sign(claims({ iat: past - 60, exp: past }), key),
    );
    expect(verdict.info).toBeInstanceOf(TokenExpiredError);
  });

  it('refuses a signed token that is not an access token, as token_invalid', async () => {
    const verdict = await authenticate(sign(claims({ typ: 'refresh' }), key));
    expect(verdict.error).toBeInstanceOf(ApiException);
    expect((verdict.error as ApiException).code).toBe(ErrorCode.TokenInvalid);
  });

  it('asks the revocation service', async () => {
    revoked.add('jti-of-7');
    const verdict = await authenticate(sign(claims(), key));
    expect((verdict.error as ApiException).code).toBe(ErrorCode.TokenRevoked);
  });
});
