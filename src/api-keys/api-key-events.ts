import { ClientInfo } from '../common/client-info';

/** What happened to an API key, for the audit trail. Never carries the key or its hash. */
export type ApiKeyEvent =
  | {
      type: 'api_key_created';
      keyId: string;
      userId: number;
      permissionTier: number;
      keyType: 'secret' | 'ed25519';
      scopes: readonly string[];
      /** The owner's request that created it. */
      client: ClientInfo;
      at: number;
    }
  | {
      type: 'api_key_revoked';
      keyId: string;
      userId: number;
      /** The request of whoever revoked it: the owner, or an administrator. */
      client: ClientInfo;
      at: number;
    }
  | {
      type: 'api_key_used_from_new_address';
      keyId: string;
      userId: number;
      ip: string;
      at: number;
    }
  | {
      /** The right key from outside its allowlist: refused with 403 ip_not_allowed. */
      type: 'api_key_ip_not_allowed';
      keyId: string;
      userId: number;
      /** null when the request had no address at all. */
      ip: string | null;
      at: number;
    };

/**
 * Where API key events go (AuditedApiKeyEvents: the audit trail). `record`
 * must not throw or block: it is called on the request path.
 */
export abstract class ApiKeyEvents {
  abstract record(event: ApiKeyEvent): void;
}
