import { RequestMethod } from '@nestjs/common';
import { normalizeRoutePath } from './credential-routes';

/** What @RequireMfa asks of a request. */
export interface MfaRequirement {
  /** Seconds since the last interactive authentication (`auth_time`) the second factor may be; none: any age. */
  maxAge?: number;
}

/** The method that counts as a second factor in `amr` (RFC 8176). */
export const SECOND_FACTOR_METHOD = 'otp';

/**
 * The routes a user whom MFA_REQUIRED_TIER obliges to have a second factor
 * may use without one: who am I, the enrolment itself, logging out and
 * changing the password. Everything else answers 403
 * mfa_enrollment_required until the factor is on. Public routes (login,
 * refresh) need no principal and are not asked.
 */
const BEFORE_ENROLMENT: ReadonlyArray<
  (method: RequestMethod, path: string) => boolean
> = [
  (method, path) => method === RequestMethod.GET && path === 'auth/me',
  (method, path) => method === RequestMethod.POST && path === 'auth/logout',
  (_method, path) => path === 'auth/mfa' || path.startsWith('auth/mfa/'),
  (_method, path) => path === 'auth/password',
];

/** Whether a route (method, full path as Nest mounts it) stays usable before enrolment. */
export function usableBeforeEnrolment(
  method: RequestMethod,
  path: string,
): boolean {
  const normalized = normalizeRoutePath(path);
  return BEFORE_ENROLMENT.some((allows) => allows(method, normalized));
}

/** Whether `amr` holds a second factor, and (with `maxAge`) one at most that old at `nowSeconds`. */
export function mfaSatisfied(
  amr: readonly string[] | undefined,
  authTime: number | undefined,
  requirement: MfaRequirement,
  nowSeconds: number,
): boolean {
  if (amr === undefined || !amr.includes(SECOND_FACTOR_METHOD)) return false;
  if (requirement.maxAge === undefined) return true;
  return authTime !== undefined && nowSeconds - authTime <= requirement.maxAge;
}

/** Whether a user of `tier` must have a second factor under MFA_REQUIRED_TIER (`required`, undefined: nobody). */
export function mfaRequiredFor(
  tier: number,
  required: number | undefined,
): boolean {
  return required !== undefined && tier >= required;
}
