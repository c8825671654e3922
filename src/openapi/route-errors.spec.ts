import { Tier } from '../auth/tier';
import { routeErrors } from './route-errors';

const none = {
  requiredScope: undefined,
  requiredMfa: undefined,
  usableBeforeEnrolment: false,
};
/** An authenticated route that a user may use before enrolling a second factor (as /auth/me is). */
const plain = {
  isPublic: false,
  sessionOnly: false,
  requiredTier: undefined,
  ...none,
  usableBeforeEnrolment: true,
};

describe(routeErrors.name, () => {
  it('gives an authenticated read the token and API key errors, signed ones and the failed-key budget included', () => {
    expect(
      Object.fromEntries(
        routeErrors({ method: 'GET', path: '/auth/me' }, plain, []),
      ),
    ).toEqual({
      400: ['validation_error'],
      401: [
        'unauthorized',
        'token_invalid',
        'token_expired',
        'token_revoked',
        'api_key_invalid',
        'signature_required',
        'signature_invalid',
        'signature_replayed',
        'timestamp_out_of_window',
      ],
      403: ['ip_not_allowed', 'insufficient_scope'],
      429: ['rate_limited'],
      500: ['internal_error'],
      503: ['service_unavailable'],
    });
  });

  it('adds insufficient_tier above tier 1, and 429, 413 and 414 where they apply', () => {
    const errors = routeErrors(
      { method: 'PATCH', path: '/admin/users/{id}' },
      { ...plain, requiredTier: Tier.Admin },
      [],
    );
    expect(errors.get(403)).toEqual([
      'insufficient_tier',
      'ip_not_allowed',
      'insufficient_scope',
    ]);
    expect(errors.get(413)).toEqual(['payload_too_large']);
    expect(errors.get(414)).toEqual(['validation_error']);
    expect(errors.get(429)).toEqual(['rate_limited']);
    expect(
      routeErrors(
        { method: 'GET', path: '/x' },
        { ...plain, requiredTier: Tier.Monitor },
        [],
      ).get(403),
    ).toEqual(['ip_not_allowed', 'insufficient_scope']);
  });

  it('refuses API keys on session-only routes, public ones too, and merges the route codes by status', () => {
    const errors = routeErrors(
      { method: 'POST', path: '/auth/login' },
      { isPublic: true, sessionOnly: true, requiredTier: undefined, ...none },
      ['invalid_credentials', 'account_disabled', 'validation_error'],
    );
    expect([...errors.keys()]).toEqual([400, 401, 403, 413, 429, 500]);
    expect(errors.get(401)).toEqual(['invalid_credentials']);
    expect(errors.get(403)).toEqual(['account_disabled', 'session_required']);
    expect(errors.get(400)).toEqual(['validation_error']);
  });

  it('gives a public read nothing but its own codes and 500', () => {
    expect(
      Object.fromEntries(
        routeErrors(
          { method: 'GET', path: '/health' },
          {
            isPublic: true,
            sessionOnly: false,
            requiredTier: undefined,
            ...none,
          },
          ['service_unavailable'],
        ),
      ),
    ).toEqual({ 500: ['internal_error'], 503: ['service_unavailable'] });
  });

  it('adds mfa_enrollment_required wherever MFA_REQUIRED_TIER can refuse, and @RequireMfa its codes', () => {
    const route = { method: 'GET', path: '/orders' };
    expect(
      routeErrors(route, { ...plain, usableBeforeEnrolment: false }, []).get(
        403,
      ),
    ).toEqual([
      'ip_not_allowed',
      'insufficient_scope',
      'mfa_enrollment_required',
    ]);
    const guarded = routeErrors(
      route,
      { ...plain, requiredMfa: { maxAge: 300 } },
      [],
    );
    expect(guarded.get(401)).toContain('insufficient_user_authentication');
    expect(guarded.get(403)).toEqual([
      'ip_not_allowed',
      'session_required',
      'mfa_enrollment_required',
    ]);
  });
});
