import type { Tier } from '../auth/tier';
import type { Scope } from '../auth/scope';
import {
  parseStoredAllowlist,
  parseStoredScopes,
} from './api-key-authenticator.service';
import type { ApiKey, ApiKeyType } from './entities/api-key.entity';

/** A key as listed: never its secret or hash. Instants are epoch seconds, as in the spec's access_expires_at. */
export interface ApiKeyView {
  id: string;
  name: string;
  type: ApiKeyType;
  /** An ed25519 key's public key, 32 bytes in base64; null for a secret key. */
  public_key: string | null;
  permission_tier: Tier;
  scopes: Scope[];
  ip_allowlist: string[];
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}

const seconds = (ms: number | null): number | null =>
  ms === null ? null : Math.floor(ms / 1000);

export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    type: key.type,
    public_key:
      key.publicKey === null
        ? null
        : Buffer.from(key.publicKey, 'base64url').toString('base64'),
    permission_tier: key.permissionTier,
    scopes: parseStoredScopes(key.scopes) ?? [],
    ip_allowlist: parseStoredAllowlist(key.ipAllowlist) ?? [],
    created_at: Math.floor(key.createdAt / 1000),
    expires_at: seconds(key.expiresAt),
    last_used_at: seconds(key.lastUsedAt),
    last_used_ip: key.lastUsedIp,
  };
}
