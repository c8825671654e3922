import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import type { LoginOutcome, RefreshOutcome } from './metrics';

/** A failed login's label, from the error it was answered with. */
export function loginOutcomeOf(error: unknown): LoginOutcome {
  if (!(error instanceof ApiException)) return 'error';
  switch (error.code) {
    case ErrorCode.InvalidCredentials:
      return 'invalid_credentials';
    case ErrorCode.MfaRequired:
      return 'mfa_required';
    case ErrorCode.MfaInvalid:
    case ErrorCode.MfaTokenInvalid:
      return 'mfa_invalid';
    case ErrorCode.RateLimited:
      return 'rate_limited';
    case ErrorCode.AccountDisabled:
      return 'disabled';
    case ErrorCode.ServiceUnavailable:
      return 'unavailable';
    default:
      return 'error';
  }
}

/** A failed refresh's label, from the error it was answered with. */
export function refreshOutcomeOf(error: unknown): RefreshOutcome {
  if (!(error instanceof ApiException)) return 'error';
  switch (error.code) {
    case ErrorCode.RefreshTokenInvalid:
      return 'invalid';
    case ErrorCode.AccountDisabled:
      return 'disabled';
    case ErrorCode.RateLimited:
      return 'rate_limited';
    case ErrorCode.ServiceUnavailable:
      return 'unavailable';
    default:
      return 'error';
  }
}
