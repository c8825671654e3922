import { Injectable } from '@nestjs/common';
import { AccessTokenAuthenticator } from '../auth/services/access-token-authenticator.service';
import type { Principal } from '../auth/principal';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import type { ErrorBody } from '../common/http-exception.filter';
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
 * Decides, during the HTTP upgrade, whether a WebSocket may open: the access
 * token of the `token` query parameter (and only there) must be valid and
 * unrevoked, as decided by the same AccessTokenAuthenticator the REST guard
 * uses, and the socket must fit the per-user and per-instance bounds.
 */
@Injectable()
export class SocketAdmission {
  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly registry: SocketRegistry<ClientSocket>,
    private readonly clusterCount: ClusterSocketCount,
    private readonly config: AppConfig,
  ) {}

  async admit(url: string | undefined): Promise<HandshakeVerdict> {
    try {
      const token = tokenParameter(url);
      if (!token) {
        throw new ApiException(
          ErrorCode.Unauthorized,
          'Missing access token; connect to /ws?token=<access_token>',
        );
      }
      const principal = this.authenticator.authenticate(token);
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
        body: { error: error.message, code: error.code },
        headers: error.headers,
      };
    }
  }

  private userLimit(): ApiException {
    return new ApiException(
      ErrorCode.RateLimited,
      `At most ${this.config.wsMaxSocketsPerUser} open WebSockets per user; close one first`,
      { 'Retry-After': RETRY_AFTER_SECONDS },
    );
  }
}

function tokenParameter(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, 'http://localhost').searchParams.get('token');
  } catch {
    return null;
  }
}
