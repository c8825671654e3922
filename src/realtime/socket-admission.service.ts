import { Injectable } from '@nestjs/common';
import { AccessTokenAuthenticator } from '../auth/services/access-token-authenticator.service';
import { WsTicketService } from '../auth/services/ws-ticket.service';
import type { Principal } from '../auth/principal';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import type { ErrorBody } from '../common/error-body';
import { AppConfig } from '../config/app-config';
import type { ClientSocket } from './client-socket';
import { ClusterSocketCount } from './cluster-socket-count';
import { SocketRegistry } from './socket-registry';

export type HandshakeVerdict =
  | {
      accepted: true;
      principal: Principal;
      /** Whether the socket was counted in Redis and must be given back on close. */
      clusterCounted: boolean;
    }
  | {
      accepted: false;
      status: number;
      body: ErrorBody;
      headers: Record<string, string>;
    };

/** Seconds a refused client is told to wait before trying again. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Decides, during the HTTP upgrade, whether a WebSocket may open: a browser's
 * Origin must be allowed (WS_ALLOWED_ORIGINS); the access token of the
 * `token` query parameter, or the principal a single-use `ticket` was issued
 * for (to this client address), must be valid and unrevoked, as decided by the same
 * AccessTokenAuthenticator the REST guard uses; and the socket must fit the
 * per-user (over every instance, with Redis) and per-instance bounds.
 */
@Injectable()
export class SocketAdmission {
  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly tickets: WsTicketService,
    private readonly registry: SocketRegistry<ClientSocket>,
    private readonly clusterCount: ClusterSocketCount,
    private readonly config: AppConfig,
  ) {}

  /** `clientAddress`: the upgrade's, as `upgradeClientAddress` resolves it (tickets are bound to one). */
  async admit(
    url: string | undefined,
    origin: string | undefined,
    clientAddress: string | undefined,
  ): Promise<HandshakeVerdict> {
    try {
      this.checkOrigin(origin);
      const principal = await this.principalOf(parameters(url), clientAddress);
      switch (this.registry.admission(principal.id)) {
        case 'user_limit':
          throw this.userLimit();
        case 'total_limit':
          throw new ApiException(
            ErrorCode.ServiceUnavailable,
            'This server holds its maximum of WebSockets; retry later',
            {
              'Retry-After': RETRY_AFTER_SECONDS,
            },
          );
        case 'ok': {
          // The same bound over every instance, when Redis is configured.
          const reservation = await this.clusterCount.reserve(principal.id);
          if (reservation === 'refused') throw this.userLimit();
          return {
            accepted: true,
            principal,
            clusterCounted: reservation === 'counted',
          };
        }
      }
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      return {
        accepted: false,
        status: error.getStatus(),
        body: error.body,
        headers: error.headers,
      };
    }
  }

  /** Browsers send Origin; programs usually do not, and are not limited by it. */
  private checkOrigin(origin: string | undefined): void {
    const allowed = this.config.wsAllowedOrigins;
    if (!allowed || origin === undefined || allowed.includes(origin)) return;
    throw new ApiException(
      ErrorCode.OriginNotAllowed,
      'This origin may not open WebSockets here',
    );
  }

  private async principalOf(
    query: URLSearchParams,
    clientAddress: string | undefined,
  ): Promise<Principal> {
    const ticket = query.get('ticket');
    if (ticket) {
      const principal = await this.tickets.redeem(ticket, clientAddress);
      // From another address, the same answer as an unknown ticket: the
      // refusal tells a thief nothing about the ticket they hold.
      if (!principal) {
        throw new ApiException(
          ErrorCode.Unauthorized,
          'The ticket is unknown, used or expired; get a new one from POST /auth/ws-ticket',
        );
      }
      if (principal.expiresAt * 1000 <= Date.now()) {
        throw new ApiException(
          ErrorCode.TokenExpired,
          'The access token this ticket was issued for has expired',
        );
      }
      if (this.authenticator.isRevoked(principal)) {
        throw new ApiException(
          ErrorCode.TokenRevoked,
          'The access token this ticket was issued for has been revoked',
        );
      }
      return principal;
    }
    const token = query.get('token');
    if (!token) {
      throw new ApiException(
        ErrorCode.Unauthorized,
        'Missing access token; connect to /ws?token=<access_token> or /ws?ticket=<ticket>',
      );
    }
    return await this.authenticator.authenticate(token);
  }

  private userLimit(): ApiException {
    return new ApiException(
      ErrorCode.RateLimited,
      `At most ${this.config.wsMaxSocketsPerUser} open WebSockets per user; close one first`,
      { 'Retry-After': RETRY_AFTER_SECONDS },
    );
  }
}

function parameters(url: string | undefined): URLSearchParams {
  if (!url) return new URLSearchParams();
  try {
    return new URL(url, 'http://localhost').searchParams;
  } catch {
    return new URLSearchParams();
  }
}
