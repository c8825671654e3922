import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ApiException } from '../../common/api.exception';
import type { AppConfig } from '../../config/app-config';
import type { TotpFactors } from '../../credentials/services/totp-factors.service';
import { Public } from '../decorators/public.decorator';
import { RequireMfa } from '../decorators/require-mfa.decorator';
import type { Principal } from '../principal';
import { Tier } from '../tier';
import { MfaGuard } from './mfa.guard';

class WithdrawalsController {
  @RequireMfa({ maxAge: 300 })
  withdraw() {}

  @RequireMfa()
  anyAge() {}

  plain() {}

  @Public()
  open() {}
}

const now = () => Math.floor(Date.now() / 1000);

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  id: 1,
  username: 'alice',
  tier: Tier.Trader,
  sessionId: 's',
  jti: 'j',
  expiresAt: 0,
  tokenVersion: 0,
  amr: ['pwd', 'otp'],
  authTime: now(),
  ...overrides,
});

function contextFor(handler: string, holder: { principal?: Principal }) {
  const method = (
    WithdrawalsController.prototype as unknown as Record<string, () => void>
  )[handler];
  const context = new ExecutionContextHost(
    [holder, {}],
    WithdrawalsController as never,
    method,
  );
  context.setType('http');
  return context;
}

/** What the guard answers: true, or the error code with its WWW-Authenticate header. */
async function outcome(
  handler: string,
  who: Principal,
  {
    enrolled = true,
    requiredTier,
  }: { enrolled?: boolean; requiredTier?: number } = {},
): Promise<unknown> {
  const factors = {
    isEnabledRecently: () => enrolled,
  } as unknown as TotpFactors;
  const guard = new MfaGuard(factors, {
    mfaRequiredTier: requiredTier,
  } as AppConfig);
  try {
    return await guard.canActivate(contextFor(handler, { principal: who }));
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return [error.code, error.headers['WWW-Authenticate']];
  }
}

describe(MfaGuard.name, () => {
  it('lets a recent second factor through, and asks an old one to step up (RFC 9470)', async () => {
    expect(await outcome('withdraw', principal())).toBe(true);
    expect(await outcome('anyAge', principal({ authTime: 0 }))).toBe(true);
    expect(
      await outcome('withdraw', principal({ authTime: now() - 301 })),
    ).toEqual([
      'insufficient_user_authentication',
      'Bearer error="insufficient_user_authentication", max_age=300',
    ]);
    expect(await outcome('anyAge', principal({ amr: ['pwd'] }))).toEqual([
      'insufficient_user_authentication',
      'Bearer error="insufficient_user_authentication"',
    ]);
  });

  it('tells a user without a factor to enrol, and refuses API keys', async () => {
    expect(
      await outcome('withdraw', principal({ amr: ['pwd'] }), {
        enrolled: false,
      }),
    ).toEqual(['mfa_enrollment_required', undefined]);
    expect(
      await outcome(
        'withdraw',
        principal({ apiKeyId: 'k', amr: undefined, authTime: undefined }),
      ),
    ).toEqual(['session_required', undefined]);
  });

  it('applies MFA_REQUIRED_TIER from that tier up, to users without a factor', async () => {
    const unenrolled = { enrolled: false, requiredTier: Tier.Power };
    const pwdOnly = { amr: ['pwd'] };
    expect(
      await outcome(
        'plain',
        principal({ ...pwdOnly, tier: Tier.Power }),
        unenrolled,
      ),
    ).toEqual(['mfa_enrollment_required', undefined]);
    expect(
      await outcome(
        'plain',
        principal({ ...pwdOnly, tier: Tier.Trader }),
        unenrolled,
      ),
    ).toBe(true);
    expect(
      await outcome('plain', principal({ ...pwdOnly, tier: Tier.Admin }), {
        enrolled: true,
        requiredTier: Tier.Power,
      }),
    ).toBe(true);
    expect(await outcome('open', principal(pwdOnly), unenrolled)).toBe(true);
    expect(
      await outcome('plain', principal(pwdOnly), { enrolled: false }),
    ).toBe(true);
  });
});
