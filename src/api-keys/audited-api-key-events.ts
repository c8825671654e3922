import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditTrail } from '../audit/audit-trail.service';
import { ApiKeyEvent, ApiKeyEvents } from './api-key-events';

/** API key events into the audit trail (`auth_events`), never with the key or its hash. */
@Injectable()
export class AuditedApiKeyEvents extends ApiKeyEvents {
  constructor(private readonly audit: AuditTrail) {
    super();
  }

  record(event: ApiKeyEvent): void {
    switch (event.type) {
      case 'api_key_created':
        this.audit.record({
          type: AuditEventType.ApiKeyCreated,
          userId: event.userId,
          client: event.client,
          detail: {
            key_id: event.keyId,
            permission_tier: event.permissionTier,
            key_type: event.keyType,
            scopes: [...event.scopes],
          },
        });
        return;
      case 'api_key_revoked':
        this.audit.record({
          type: AuditEventType.ApiKeyRevoked,
          userId: event.userId,
          client: event.client,
          detail: { key_id: event.keyId },
        });
        return;
      case 'api_key_used_from_new_address':
        // Recorded in the background, outside the request: say whose and from where.
        this.audit.record({
          type: AuditEventType.ApiKeyUsedFromNewAddress,
          userId: event.userId,
          client: { ip: event.ip, userAgent: null, actorId: event.userId },
          detail: { key_id: event.keyId },
        });
        return;
      case 'api_key_ip_not_allowed':
        // A refused request acts for nobody: whoever holds the key is not
        // the owner until the address says so.
        this.audit.record({
          type: AuditEventType.ApiKeyIpNotAllowed,
          userId: event.userId,
          client: { ip: event.ip, userAgent: null, actorId: null },
          detail: { key_id: event.keyId },
        });
        return;
    }
  }
}
