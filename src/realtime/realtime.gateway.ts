import {
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  UseFilters,
  UsePipes,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  WsResponse,
} from '@nestjs/websockets';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import type { Principal } from '../auth/principal';
import type { RevocationEvent } from '../auth/revocation/revocation-event';
import { RevocationService } from '../auth/revocation/revocation.service';
import { AccessTokenAuthenticator } from '../auth/services/access-token-authenticator.service';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ErrorCode, WsCloseCode } from '../common/error-codes';
import { validationPipe } from '../common/validation';
import { AppConfig } from '../config/app-config';
import type { AdmittedRequest } from './authenticating-ws.adapter';
import { ClientSocket, sendError } from './client-socket';
import { ClusterSocketCount } from './cluster-socket-count';
import { AuthMessageDto } from './dto/auth-message.dto';
import { WS_EXPIRY_SWEEP_MS, WS_PATH } from './realtime.constants';
import { SocketRegistry } from './socket-registry';
import { WsExceptionFilter } from './ws-exception.filter';

/**
 * The WebSocket endpoint, `ws://host:port/ws?token=<access_token>`.
 *
 * The handshake already authenticated the client (AuthenticatingWsAdapter);
 * this gateway keeps the socket honest afterwards: it ends it with 4002
 * token_revoked as soon as the revocation state says its token no longer
 * counts (this or another instance), with 4001 token_expired when the token
 * expires unless the client sent a fresh one with `auth`, and drops peers
 * that stop answering pings.
 *
 * Adding a message: a method with @SubscribeMessage('name') returning
 * `{event, data}`; add @RequireTier(Tier.X) to restrict it (see `connections`).
 *
 * The filter and the pipe are declared here because app.useGlobalFilters and
 * useGlobalPipes do not reach gateways (Nest's SocketModule builds its
 * contexts without the application config).
 */
@UseFilters(WsExceptionFilter)
@UsePipes(validationPipe)
@WebSocketGateway({ path: WS_PATH })
export class RealtimeGateway
  implements
    OnGatewayConnection<ClientSocket>,
    OnGatewayDisconnect<ClientSocket>,
    OnModuleInit,
    OnModuleDestroy
{
  private readonly logger = new Logger(RealtimeGateway.name);
  private unsubscribe?: () => void;
  private timers: NodeJS.Timeout[] = [];
  /** One shared pong listener (ws calls it with the socket as `this`), not a closure per socket. */
  private readonly onPong: (this: ClientSocket) => void;

  constructor(
    private readonly registry: SocketRegistry<ClientSocket>,
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly revocation: RevocationService,
    private readonly clusterCount: ClusterSocketCount,
    private readonly config: AppConfig,
  ) {
    clusterCount.countsFrom(() => registry.countsByUser());
    const sockets = registry;
    this.onPong = function (this: ClientSocket) {
      sockets.markAlive(this);
    };
  }

  onModuleInit(): void {
    this.unsubscribe = this.revocation.onRevoked((event) =>
      this.closeRevoked(event),
    );
    this.every(WS_EXPIRY_SWEEP_MS, () => this.closeExpired());
    this.every(this.config.wsHeartbeatSeconds * 1000, () => this.heartbeat());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    // Going away, not an error: a client reconnects, to another instance if
    // there is one, instead of seeing 1006 when the process exits.
    for (const client of this.registry.takeAll()) {
      client.close(WsCloseCode.GoingAway, 'server_shutdown');
    }
  }

  handleConnection(client: ClientSocket, request: AdmittedRequest): void {
    const principal = request.principal;
    request.principal = undefined;
    // Counted in Redis at the handshake: handleDisconnect gives it back,
    // whichever way the socket ends (including the refusals below).
    if (principal && request.clusterCounted) client.countedFor = principal.id;
    if (!principal) {
      // Only reachable if a socket bypassed the adapter's verifyClient.
      client.close(1011, ErrorCode.InternalError);
      return;
    }
    // The handshake checked both a moment ago; checking again closes the gap
    // in which a revocation event could have found no socket to close.
    if (this.authenticator.isRevoked(principal))
      return this.end(client, WsCloseCode.TokenRevoked, ErrorCode.TokenRevoked);
    if (principal.expiresAt * 1000 <= Date.now())
      return this.end(client, WsCloseCode.TokenExpired, ErrorCode.TokenExpired);
    if (this.registry.add(client, principal) !== 'ok') {
      return this.end(
        client,
        WsCloseCode.TooManySockets,
        ErrorCode.RateLimited,
      );
    }
    client.principal = principal;
    client.on('pong', this.onPong);
  }

  handleDisconnect(client: ClientSocket): void {
    this.registry.remove(client);
    if (client.countedFor !== undefined) {
      this.clusterCount.release(client.countedFor);
      client.countedFor = undefined;
    }
  }

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
  reauthenticate(
    @ConnectedSocket() client: ClientSocket,
    @CurrentUser() current: Principal,
    @MessageBody() body: AuthMessageDto,
  ): WsResponse<{ access_expires_at: number }> | undefined {
    let next: Principal;
    try {
      next = this.authenticator.authenticate(body.token);
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      sendError(client, { error: error.message, code: error.code });
      return this.end(client, WsCloseCode.TokenRevoked, ErrorCode.TokenRevoked);
    }
    if (next.id !== current.id) {
      sendError(client, {
        error: 'The token belongs to another user than this socket',
        code: ErrorCode.TokenInvalid,
      });
      return this.end(client, WsCloseCode.TokenRevoked, ErrorCode.TokenRevoked);
    }
    // Revoked or expired while this message was in flight: it is already closing.
    if (this.registry.principalOf(client) === undefined) return undefined;
    this.registry.replace(client, next);
    client.principal = next;
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
        open: this.registry.countOf(principal.id),
        max: this.config.wsMaxSocketsPerUser,
      },
    };
  }

  private closeRevoked(event: RevocationEvent): void {
    for (const client of this.registry.takeRevoked(event)) {
      client.close(WsCloseCode.TokenRevoked, ErrorCode.TokenRevoked);
    }
  }

  private closeExpired(): void {
    for (const client of this.registry.takeExpired(Date.now())) {
      client.close(WsCloseCode.TokenExpired, ErrorCode.TokenExpired);
    }
  }

  /** Terminates the sockets that did not answer the previous ping, pings the others. */
  private heartbeat(): void {
    const { dead, alive } = this.registry.heartbeat();
    for (const client of dead) {
      this.registry.remove(client);
      client.terminate();
    }
    for (const client of alive) client.ping();
    if (dead.length > 0)
      this.logger.debug(
        `terminated ${dead.length} WebSockets that stopped answering pings`,
      );
  }

  private end(
    client: ClientSocket,
    code: WsCloseCode,
    reason: ErrorCode,
  ): undefined {
    this.registry.remove(client);
    client.close(code, reason);
    return undefined;
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(() => {
      try {
        task();
      } catch (error) {
        this.logger.error(
          'WebSocket background task failed',
          error instanceof Error ? error.stack : String(error),
        );
      }
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}

interface WhoamiData {
  id: number;
  username: string;
  permission_tier: Tier;
  access_expires_at: number;
}
