/**
 * Every type of event the audit trail records. Stored as these strings and
 * filtered on by `GET /admin/audit?type=`, so they are a contract: add new
 * ones (at the end), never rename.
 */
export const AuditEventType = {
  LoginSucceeded: 'login_succeeded',
  LoginFailed: 'login_failed',
  LoginRateLimited: 'login_rate_limited',
  Logout: 'logout',
  RefreshTokenReused: 'refresh_token_reused',
  SessionRevoked: 'session_revoked',
  SessionsRevokedAll: 'sessions_revoked_all',
  UserCreated: 'user_created',
  TierChanged: 'tier_changed',
  UserDisabled: 'user_disabled',
  UserEnabled: 'user_enabled',
  PasswordChanged: 'password_changed',
  // Recorded by the API keys feature.
  ApiKeyCreated: 'api_key_created',
  ApiKeyRevoked: 'api_key_revoked',
  ApiKeyUsedFromNewAddress: 'api_key_used_from_new_address',
  ApiKeyIpNotAllowed: 'api_key_ip_not_allowed',
  // Recorded by the second factor (issue 23).
  MfaEnrolled: 'mfa_enrolled',
  MfaDisabled: 'mfa_disabled',
  MfaReset: 'mfa_reset',
  MfaFailed: 'mfa_failed',
  RecoveryCodeUsed: 'recovery_code_used',
  StepUp: 'step_up',
} as const;
export type AuditEventType =
  (typeof AuditEventType)[keyof typeof AuditEventType];

export const AUDIT_EVENT_TYPES: readonly AuditEventType[] =
  Object.values(AuditEventType);

/** Longest type name the auth_events.type column holds. */
export const AUDIT_TYPE_MAX = 48;
