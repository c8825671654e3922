import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import { DRIVERS } from './support/databases';
import { send } from './support/ed25519-signer';
import {
  ADMIN,
  TEST_JWT_SECRET,
  TestApp,
  useTestApp,
} from './support/test-app';

jest.setTimeout(60_000);

const b64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

function parts(token: string) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** A JWS signed by node:crypto directly: the tests' signer, independent of jose. */
function signWith(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    header.alg === 'ES256'
      ? cryptoSign('sha256', Buffer.from(input), {
          key,
          dsaEncoding: 'ieee-p1363',
        })
      : cryptoSign(null, Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

const ALGORITHMS = [
  { alg: 'ES256', kty: 'EC', crv: 'P-256' },
  { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' },
] as const;

describe.each(DRIVERS)('asymmetric access tokens on $name', (driver) => {
  describe.each(ALGORITHMS)('$alg', ({ alg, kty, crv }) => {
    const api = useTestApp(driver, { JWT_ALGORITHM: alg });
    let admin: string;
    let jwks: { keys: Record<string, string>[] };

    beforeAll(async () => {
      admin = await api.adminToken();
      jwks = (await api.get('/.well-known/jwks.json')).body;
    });

    function verifiesWithJwks(token: string): boolean {
      const { header, signingInput, signature } = parts(token);
      const jwk = jwks.keys.find((k) => k.kid === header.kid);
      if (!jwk) return false;
      const key = createPublicKey({ key: jwk as never, format: 'jwk' });
      return alg === 'ES256'
        ? cryptoVerify(
            'sha256',
            Buffer.from(signingInput),
            { key, dsaEncoding: 'ieee-p1363' },
            signature,
          )
        : cryptoVerify(null, Buffer.from(signingInput), key, signature);
    }

    it('signs with the pinned alg and a kid the JWKS publishes, and /auth/me accepts it (twice: the memo)', async () => {
      const { header, payload } = parts(admin);
      expect(header).toEqual({ alg, kid: expect.any(String), typ: 'JWT' });
      expect(payload).toMatchObject({
        username: ADMIN.username,
        permission_tier: 4,
        amr: ['pwd'],
        auth_time: expect.any(Number),
      });
      expect(verifiesWithJwks(admin)).toBe(true);
      for (let i = 0; i < 2; i++)
        expect((await api.get('/auth/me', admin)).status).toBe(200);
    });

    it('serves the JWKS: public keys only, cacheable, with an ETag that answers 304', async () => {
      const response = await api.get('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=600');
      const etag = response.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(response.body.keys).toHaveLength(1);
      const [key] = response.body.keys;
      expect(Object.keys(key).sort()).toEqual(
        [
          'alg',
          'crv',
          'kid',
          'kty',
          'use',
          'x',
          ...(kty === 'EC' ? ['y'] : []),
        ].sort(),
      );
      expect(key).toMatchObject({ alg, kty, crv, use: 'sig' });
      const again = await api.request('GET', '/.well-known/jwks.json', {
        headers: { 'if-none-match': etag! },
      });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
    });

    it('publishes RFC 8414 metadata', async () => {
      const response = await api.get('/.well-known/oauth-authorization-server');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        issuer: 'trading-auth',
        jwks_uri: `${api.url}/.well-known/jwks.json`,
        introspection_endpoint: `${api.url}/auth/introspect`,
      });
    });

    describe('refuses with 401 token_invalid, never 500', () => {
      const refused = async (token: string) => {
        const response = await api.get('/auth/me', token);
        expect({ status: response.status, body: response.body }).toEqual({
          status: 401,
          body: { error: expect.any(String), code: 'token_invalid' },
        });
      };

      it('a re-signed payload, a truncated token, a bad signature', async () => {
        const { header, payload, signature } = parts(admin);
        const raised = `${b64(header)}.${b64({ ...payload, permission_tier: 4, sub: '999' })}.${signature.toString('base64url')}`;
        await refused(raised);
        await refused(admin.slice(0, -10));
        await refused(admin.split('.').slice(0, 2).join('.') + '.');
        await refused('not.a.jwt');
        await refused('x');
      });

      it('an alg swap to HS256 with the public key as the secret', async () => {
        const { header, payload } = parts(admin);
        const jwk = jwks.keys[0];
        const pem = createPublicKey({ key: jwk as never, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        for (const secret of [pem, JSON.stringify(jwk), jwk.x]) {
          const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`;
          const mac = createHmac('sha256', secret).update(input).digest();
          await refused(`${input}.${mac.toString('base64url')}`);
        }
        await refused(
          `${b64({ alg: 'none', kid: header.kid })}.${b64(payload)}.`,
        );
      });

      it('a key of another deployment, under our kid, under its own, or brought in jwk / jku / x5u', async () => {
        const { header, payload } = parts(admin);
        const theirs =
          alg === 'ES256'
            ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
            : generateKeyPairSync('ed25519');
        const theirJwk = theirs.publicKey.export({ format: 'jwk' });
        await refused(signWith(header, payload, theirs.privateKey));
        await refused(
          signWith({ ...header, kid: 'their-kid' }, payload, theirs.privateKey),
        );
        await refused(
          signWith({ alg, jwk: theirJwk }, payload, theirs.privateKey),
        );
        for (const extra of [
          { jwk: theirJwk },
          { jku: 'https://attacker.example/jwks.json' },
          { x5u: 'https://attacker.example/cert.pem' },
        ])
          await refused(
            signWith({ ...header, ...extra }, payload, theirs.privateKey),
          );
      });
    });

    describe('introspection (RFC 7662)', () => {
      let user: { access_token: string };
      beforeAll(async () => {
        user = await api.createUser(`intro-${alg}`.toLowerCase(), 2);
      });

      const introspect = (
        token: string | undefined,
        body: string,
        type: string,
      ) =>
        send(api.url, 'POST', '/auth/introspect', {
          headers: {
            'content-type': type,
            ...(token !== undefined && { authorization: `Bearer ${token}` }),
          },
          body,
        });

      it('answers a live token, form-encoded or JSON, with its claims', async () => {
        const claims = parts(user.access_token).payload;
        const expected = {
          active: true,
          sub: claims.sub,
          username: claims.username,
          permission_tier: 2,
          exp: claims.exp,
          iat: claims.iat,
          jti: claims.jti,
          iss: 'trading-auth',
          aud: 'trading-api',
          token_type: 'access_token',
        };
        const form = await introspect(
          admin,
          new URLSearchParams({
            token: user.access_token,
            token_type_hint: 'access_token',
          }).toString(),
          'application/x-www-form-urlencoded',
        );
        expect(form.status).toBe(200);
        expect(form.headers['cache-control']).toBe('no-store');
        expect(form.body).toEqual(expected);
        const json = await introspect(
          admin,
          JSON.stringify({ token: user.access_token }),
          'application/json',
        );
        expect(json.body).toEqual(expected);
      });

      it('answers {active: false} alone for a forged, unknown or revoked token', async () => {
        const victim = await api.login(
          `intro-${alg}`.toLowerCase(),
          `password-of-intro-${alg}`.toLowerCase(),
        );
        for (const token of [
          victim.access_token.slice(0, -4) + 'AAAA',
          'garbage',
        ]) {
          const response = await introspect(
            admin,
            `token=${token}`,
            'application/x-www-form-urlencoded',
          );
          expect(response.status).toBe(200);
          expect(response.body).toEqual({ active: false });
        }
        expect(
          (await api.post('/auth/logout', {}, victim.access_token)).status,
        ).toBe(204);
        const response = await introspect(
          admin,
          `token=${victim.access_token}`,
          'application/x-www-form-urlencoded',
        );
        expect(response.body).toEqual({ active: false });
      });

      it('gives 400 without a token, with a huge one or twice', async () => {
        for (const body of [
          '',
          'token=',
          `token=${'a'.repeat(5000)}`,
          'token=a&token=b',
          'other=1',
        ]) {
          const response = await introspect(
            admin,
            body,
            'application/x-www-form-urlencoded',
          );
          expect(response.status).toBe(400);
          expect(response.body.code).toBe('validation_error');
        }
        const json = await introspect(
          admin,
          JSON.stringify({ token: null }),
          'application/json',
        );
        expect(json.status).toBe(400);
      });

      it('is for tier 4: a trader gets 403, no token 401', async () => {
        const trader = await introspect(
          user.access_token,
          `token=${admin}`,
          'application/x-www-form-urlencoded',
        );
        expect(trader.status).toBe(403);
        expect(trader.body.code).toBe('insufficient_tier');
        const anonymous = await introspect(
          undefined,
          `token=${admin}`,
          'application/x-www-form-urlencoded',
        );
        expect(anonymous.status).toBe(401);
      });

      it('is reachable by a tier-4 key with the introspect scope, not by one without', async () => {
        const create = async (scopes: string[]) => {
          const response = await api.post(
            '/auth/api-keys',
            {
              name: `introspector-${scopes.join('-')}`,
              permission_tier: 4,
              ip_allowlist: ['127.0.0.1'],
              scopes,
              password: ADMIN.password,
            },
            admin,
          );
          expect(response.status).toBe(201);
          return response.body.key as string;
        };
        const withScope = await create(['introspect']);
        const answer = await send(api.url, 'POST', '/auth/introspect', {
          headers: {
            'x-api-key': withScope,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `token=${user.access_token}`,
        });
        expect(answer.status).toBe(200);
        expect(answer.body.active).toBe(true);
        const readOnly = await create(['read']);
        const refused = await send(api.url, 'POST', '/auth/introspect', {
          headers: {
            'x-api-key': readOnly,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `token=${user.access_token}`,
        });
        expect(refused.status).toBe(403);
        expect(refused.body.code).toBe('insufficient_scope');
      });

      it('keeps every other route JSON-only: a form login is 400, as before', async () => {
        const response = await send(api.url, 'POST', '/auth/login', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `username=${ADMIN.username}&password=${ADMIN.password}`,
        });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('validation_error');
      });
    });
  });

  it('keeps HS256 tokens issued before a move to ES256 valid until they expire, and no later one', async () => {
    const db = await driver.create();
    try {
      const before = await TestApp.start(db, { JWT_ALGORITHM: 'HS256' });
      const old = await before.adminToken();
      await before.close();
      const after = await TestApp.start(db, { JWT_ALGORITHM: 'ES256' });
      try {
        expect((await after.get('/auth/me', old)).status).toBe(200);
        expect(parts(await after.adminToken()).header.alg).toBe('ES256');
        // Signed with the same secret, but after the first key signed.
        const { payload } = parts(old);
        const now = Math.floor(Date.now() / 1000) + 1;
        const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...payload, jti: 'minted-after-the-move', iat: now, exp: now + 60 })}`;
        const forged = `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
        const response = await after.get('/auth/me', forged);
        expect([response.status, response.body.code]).toEqual([
          401,
          'token_invalid',
        ]);
      } finally {
        await after.close();
      }
    } finally {
      await db.drop();
    }
  });

  describe('HS256', () => {
    const api: TestApp = useTestApp(driver, { JWT_ALGORITHM: 'HS256' });

    it('has no JWKS (404) and no jwks_uri, and signs without kid', async () => {
      const response = await api.get('/.well-known/jwks.json');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('not_found');
      const metadata = await api.get('/.well-known/oauth-authorization-server');
      expect(metadata.body).toEqual({
        issuer: 'trading-auth',
        introspection_endpoint: `${api.url}/auth/introspect`,
      });
      expect(parts(await api.adminToken()).header).toEqual({
        alg: 'HS256',
        typ: 'JWT',
      });
    });
  });
});
