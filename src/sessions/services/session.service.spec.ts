import crypto from 'node:crypto';
import { ApiException } from '../../common/api.exception';
import { NO_CLIENT } from '../../common/client-info';
import { sha256Hex } from '../../common/sha256';
import { AppConfig } from '../../config/app-config';
import { PreparedStatements } from '../../database/prepared-statements';
import { SessionActivity } from './session-activity';
import { SessionService } from './session.service';

const SESSION_ID = 'abcdefghijklmnopqrstuv';
const secret = () => crypto.randomBytes(32).toString('base64url');

/**
 * The refresh path of SessionService over one session row held in memory:
 * what is counted here is the hashing a refresh does, which the database
 * plays no part in (the e2e suites cover the SQL).
 */
function serviceOver(row: Record<string, unknown>): SessionService {
  const statements = {
    one: () => Promise.resolve({ ...row }),
    run: () => Promise.resolve(0),
  } as unknown as PreparedStatements;
  const activity = {
    latest: () => undefined,
    note: () => undefined,
  } as unknown as SessionActivity;
  const config = {
    jwtSecret: 'a-signing-secret-that-is-long-enough-123',
    refreshRotation: true,
    refreshReuseGraceSeconds: 30,
    refreshIdleTtl: undefined,
    refreshTokenTtl: 86_400,
  } as unknown as AppConfig;
  return new SessionService(
    undefined as never,
    undefined as never,
    undefined as never,
    statements,
    activity,
    config,
  );
}

function sessionRow(generation: number): Record<string, unknown> {
  const now = Date.now();
  return {
    id: SESSION_ID,
    user_id: 7,
    token_hash: sha256Hex(secret()),
    previous_hash: sha256Hex(secret()),
    created_at: now - 60_000,
    expires_at: now + 60_000,
    revoked_at: null,
    last_used_at: now - 1_000,
    rotated_at: now - 1_000,
    generation,
    session_epoch: 0,
    username: 'kevin',
    permission_tier: 2,
    disabled: 0,
    token_version: 0,
    user_session_epoch: 0,
  };
}

/** HMAC and SHA-256 invocations while `run` runs: the work a request buys. */
async function hashingDuring(run: () => Promise<unknown>): Promise<number> {
  const hmac = jest.spyOn(crypto, 'createHmac');
  const hash = jest.spyOn(crypto, 'hash');
  try {
    await run();
    return hmac.mock.calls.length + hash.mock.calls.length;
  } finally {
    hmac.mockRestore();
    hash.mockRestore();
  }
}

async function refusedWork(generation: number, token: string) {
  const service = serviceOver(sessionRow(generation));
  let refusal: unknown;
  const work = await hashingDuring(() =>
    service.use(token, NO_CLIENT).catch((error: unknown) => {
      refusal = error;
    }),
  );
  expect(refusal).toBeInstanceOf(ApiException);
  expect((refusal as ApiException).code).toBe('refresh_token_invalid');
  return work;
}

describe(SessionService.name, () => {
  // A known session id and a wrong secret is all an attacker needs: the
  // answer is one cheap 401, so its cost must not grow with the session's age.
  it.each([
    ['a two-part token', () => `${SESSION_ID}.${secret()}`],
    [
      'a token with a forged generation proof',
      () =>
        `${SESSION_ID}.${secret()}.${crypto.randomBytes(20).toString('base64url')}`,
    ],
  ])(
    'does the same hashing for a bad %s at generation 0 and at 10,000',
    async (_label, token) => {
      const young = await refusedWork(0, token());
      const old = await refusedWork(10_000, token());
      expect(old).toBe(young);
      expect(young).toBeLessThanOrEqual(2);
    },
  );
});
