import { JwtService } from '@nestjs/jwt';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { sign } from 'jsonwebtoken';
import passport from 'passport';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { IS_PUBLIC_KEY } from '../auth.constants';
import { Principal } from '../principal';
import { RevocationService } from '../../revocation/revocation.service';
import { AccessTokenAuthenticator } from '../services/access-token-authenticator.service';
import {
  accessTokenKey,
  AccessTokenService,
} from '../services/access-token.service';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { Tier } from '../tier';
import type { SigningKeys } from '../../tokens/signing-keys.service';
import { bearerToken, JwtAuthGuard } from './jwt-auth.guard';

describe(bearerToken.name, () => {
  it('takes the token after the Bearer scheme, in any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
  });

  it('refuses other schemes, a missing token and a missing header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearerabc.def')).toBeUndefined();
    expect(bearerToken('abc.def.ghi')).toBeUndefined();
  });
});

const config = {
  jwtSecret: 'guard-secret-that-is-long-enough-0123456789',
  jwtIssuer: 'trading-auth',
  jwtAudience: 'trading-api',
  accessTokenTtl: 900,
  jwtAlgorithm: 'HS256',
} as AppConfig;
const key = accessTokenKey(config);

describe(JwtAuthGuard.name, () => {
  const tokens = new AccessTokenService(
    new JwtService({ secret: key }),
    config,
    {} as SigningKeys, // HS256: no signing keys
  );
  const revoked = new Set<string>();
  const authenticator = new AccessTokenAuthenticator(tokens, {
    isRevoked: (principal: Principal) => revoked.has(principal.jti),
  } as RevocationService);
  new JwtStrategy(config, tokens, authenticator); // registers 'jwt' with passport
  const guard = new JwtAuthGuard(authenticator);
  const passportCalls = jest.spyOn(passport, 'authenticate');
  let serial = 0;

  /** A fresh access token (a new jti, so the memo has never seen it). */
  function token(overrides: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    return sign(
      {
        sub: '7',
        jti: `jti-${++serial}`,
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
      },
      key,
    );
  }

  function contextFor(headers: Record<string, string>, isPublic = false) {
    const handler = () => undefined;
    if (isPublic) Reflect.defineMetadata(IS_PUBLIC_KEY, true, handler);
    const request: {
      headers: Record<string, string>;
      principal?: Principal;
      user?: Principal | null;
    } = { headers };
    const context = new ExecutionContextHost([request, {}]);
    context.setType('http');
    context.getHandler = () => handler;
    class Controller {}
    context.getClass = (() => Controller) as typeof context.getClass;
    return { context, request };
  }

  async function codeOf(attempt: () => unknown): Promise<string | undefined> {
    try {
      await attempt();
    } catch (error) {
      return error instanceof ApiException ? error.code : String(error);
    }
    return undefined;
  }

  beforeEach(() => {
    revoked.clear();
    passportCalls.mockClear();
  });

  it("verifies a token's first request through passport-jwt, then answers from the memo without it", async () => {
    const bearer = { authorization: `Bearer ${token()}` };
    const first = contextFor(bearer);
    const verdict = guard.canActivate(first.context);
    expect(verdict).toBeInstanceOf(Promise);
    await expect(verdict).resolves.toBe(true);
    expect(passportCalls).toHaveBeenCalledTimes(1);
    expect(first.request.user).toMatchObject({ id: 7, username: 'trader7' });
    expect(first.request.principal).toBe(first.request.user);

    const later = contextFor(bearer);
    expect(guard.canActivate(later.context)).toBe(true); // synchronous
    expect(passportCalls).toHaveBeenCalledTimes(1);
    expect(later.request.user).toBe(first.request.user);
    expect(later.request.principal).toBe(first.request.user);
  });

  it('checks revocation on memo hits too', async () => {
    const bearer = { authorization: `Bearer ${token()}` };
    await guard.canActivate(contextFor(bearer).context);
    revoked.add(`jti-${serial}`);
    expect(
      await codeOf(() => guard.canActivate(contextFor(bearer).context)),
    ).toBe(ErrorCode.TokenRevoked);
    expect(passportCalls).toHaveBeenCalledTimes(1);
  });

  it('refuses a revoked token from the memo after its first check: repeating it costs no signature check', async () => {
    const bearer = { authorization: `Bearer ${token()}` };
    revoked.add(`jti-${serial}`);
    expect(
      await codeOf(() => guard.canActivate(contextFor(bearer).context)),
    ).toBe(ErrorCode.TokenRevoked);
    expect(passportCalls).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++)
      expect(
        await codeOf(() => guard.canActivate(contextFor(bearer).context)),
      ).toBe(ErrorCode.TokenRevoked);
    expect(passportCalls).toHaveBeenCalledTimes(1);
  });

  it('answers refused tokens with the codes of the API', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const cases: [string, string][] = [
      [token({ iat: past - 60, exp: past }), ErrorCode.TokenExpired],
      [token({ aud: 'another-api' }), ErrorCode.TokenInvalid],
      [token({ typ: 'refresh' }), ErrorCode.TokenInvalid],
      [`${token()}x`, ErrorCode.TokenInvalid],
      ['not-a-jwt', ErrorCode.TokenInvalid],
    ];
    for (const [raw, code] of cases)
      expect(
        await codeOf(() =>
          guard.canActivate(
            contextFor({ authorization: `Bearer ${raw}` }).context,
          ),
        ),
      ).toBe(code);
    const revokedToken = token();
    revoked.add(`jti-${serial}`);
    expect(
      await codeOf(() =>
        guard.canActivate(
          contextFor({ authorization: `Bearer ${revokedToken}` }).context,
        ),
      ),
    ).toBe(ErrorCode.TokenRevoked);
  });

  it('refuses a missing or malformed header before passport', async () => {
    expect(await codeOf(() => guard.canActivate(contextFor({}).context))).toBe(
      ErrorCode.Unauthorized,
    );
    expect(
      await codeOf(() =>
        guard.canActivate(contextFor({ authorization: 'Basic x' }).context),
      ),
    ).toBe(ErrorCode.Unauthorized);
    expect(passportCalls).not.toHaveBeenCalled();
  });

  it('lets public routes and API-key principals through, the latter as user too', () => {
    expect(guard.canActivate(contextFor({}, true).context)).toBe(true);
    const { context, request } = contextFor({});
    request.principal = { id: 9, apiKeyId: 'k' } as Principal;
    expect(guard.canActivate(context)).toBe(true);
    expect(request.user).toBe(request.principal);
    expect(passportCalls).not.toHaveBeenCalled();
  });
});
