import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WsResponse,
} from '@nestjs/websockets';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import type { Principal } from '../auth/principal';
import { AccessTokenAuthenticator } from '../auth/services/access-token-authenticator.service';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { toErrorBody } from '../common/error-body';
import { ErrorCode, WsCloseCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { AuthenticatedGateway } from './authenticated-gateway.decorator';
import { ClientSocket, sendError } from './client-socket';
import { AuthMessageDto } from './dto/auth-message.dto';
import { WS_PATH } from './realtime.constants';
import { SocketSupervisor } from './socket-supervisor.service';

/**
 * The WebSocket endpoint, `ws://host:port/ws?token=<access_token>` (or
 * `?ticket=<ticket>` from POST /auth/ws-ticket). Authentication, limits and
 * the close on revocation or expiry are the adapter's and SocketSupervisor's,
 * for every gateway; this one has the product's own messages.
 *
 * Adding a message: a method with @SubscribeMessage('name') returning
 * `{event, data}`; add @RequireTier(Tier.X) to restrict it (see `connections`).
 */
@AuthenticatedGateway({ path: WS_PATH })
export class RealtimeGateway {
  constructor(
    private readonly supervisor: SocketSupervisor,
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly config: AppConfig,
  ) {}

  /** `{"event":"whoami"}` -> who this socket is authenticated as, and until when. */
  @SubscribeMessage('whoami')
  whoami(@CurrentUser() principal: Principal): WsResponse<WhoamiData> {
    return {
      event: 'whoami',
      data: {
        id: principal.id,
        username: principal.username,
        permission_tier: principal.tier,
        access_expires_at: principal.expiresAt,
      },
    };
  }

  /**
   * `{"event":"auth","data":{"token":"<fresh access token>"}}` moves the socket
   * onto a newer token of the same user, so it outlives the one it opened with.
   * A bad token, or another user's, ends the socket (error event, then 4002).
   */
  @SubscribeMessage('auth')
  async reauthenticate(
    @ConnectedSocket() client: ClientSocket,
    @CurrentUser() current: Principal,
    @MessageBody() body: AuthMessageDto,
  ): Promise<WsResponse<{ access_expires_at: number }> | undefined> {
    let next: Principal;
    try {
      next = await this.authenticator.authenticate(body.token);
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      sendError(client, error.body);
      return this.supervisor.end(
        client,
        WsCloseCode.TokenRevoked,
        ErrorCode.TokenRevoked,
      );
    }
    if (next.id !== current.id) {
      sendError(
        client,
        toErrorBody(
          ErrorCode.TokenInvalid,
          'The token belongs to another user than this socket',
        ),
      );
      return this.supervisor.end(
        client,
        WsCloseCode.TokenRevoked,
        ErrorCode.TokenRevoked,
      );
    }
    if (!this.supervisor.renew(client, next)) return undefined;
    return { event: 'auth', data: { access_expires_at: next.expiresAt } };
  }

  /**
   * The example of a tier-protected message: how many sockets the caller's
   * user holds on this server, against the per-user bound. Monitors get an
   * error event `insufficient_tier` and keep their socket.
   */
  @RequireTier(Tier.Trader)
  @SubscribeMessage('connections')
  connections(
    @CurrentUser() principal: Principal,
  ): WsResponse<{ open: number; max: number }> {
    return {
      event: 'connections',
      data: {
        open: this.supervisor.countOf(principal.id),
        max: this.config.wsMaxSocketsPerUser,
      },
    };
  }
}

interface WhoamiData {
  id: number;
  username: string;
  permission_tier: Tier;
  access_expires_at: number;
}
