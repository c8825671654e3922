import {
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { RevocationEvent } from '../revocation/revocation-event';
import { AccessTokenAuthenticator } from '../auth/services/access-token-authenticator.service';
import { toErrorBody } from '../common/error-body';
import { ErrorCode, WsCloseCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import type { AdmittedRequest } from './admitted-request';
import { ClientSocket, sendError } from './client-socket';
import { ClusterSocketCount } from './cluster-socket-count';
import { MessageBudget } from './message-budget';
import { WS_EXPIRY_SWEEP_MS } from './realtime.constants';
import { SocketRegistry } from './socket-registry';

/** After the server's close frame, how long a peer has to answer before its socket is cut. */
export const CLOSE_GRACE_MS = 2_000;
/** RFC 6455 "policy violation": the close code of a socket that floods. */
const POLICY_VIOLATION = 1008;

/**
 * Every authenticated socket's life after the handshake, for every gateway:
 * registration (per-user and per-instance bounds, here and in Redis), the
 * close with 4002 on revocation and 4001 on expiry, the heartbeat, the
 * per-socket message budget, and 1001 at shutdown. Gateways keep only their
 * message handlers. The adapter calls `attach` on each new socket and asks
 * `admitFrame` before dispatching each frame.
 */
@Injectable()
export class SocketSupervisor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SocketSupervisor.name);
  private unsubscribe?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private readonly budgets = new WeakMap<ClientSocket, MessageBudget>();
  /** One shared pong listener (ws calls it with the socket as `this`), not a closure per socket. */
  private readonly onPong: (this: ClientSocket) => void;
  private readonly onClose: (this: ClientSocket, code: number) => void;

  constructor(
    private readonly registry: SocketRegistry<ClientSocket>,
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly clusterCount: ClusterSocketCount,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    clusterCount.countsFrom(() => registry.countsByUser());
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const supervisor = this;
    this.onPong = function (this: ClientSocket) {
      registry.markAlive(this);
    };
    this.onClose = function (this: ClientSocket, code: number) {
      supervisor.detach(this);
      metrics.socketClosed(code);
    };
  }

  onModuleInit(): void {
    this.unsubscribe = this.authenticator.onRevoked((event) =>
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
      client.principal = undefined;
      client.close(WsCloseCode.GoingAway, 'server_shutdown');
    }
  }

  /** Takes charge of a socket the adapter just accepted. */
  attach(client: ClientSocket, request: AdmittedRequest): void {
    const principal = request.principal;
    request.principal = undefined;
    client.on('close', this.onClose);
    this.metrics.socketOpened();
    if (!principal) {
      // Only reachable if a socket bypassed the adapter's verifyClient.
      client.close(1011, ErrorCode.InternalError);
      return;
    }
    // Counted in Redis at the handshake: detach gives it back, whichever
    // way the socket ends (including the refusals below).
    if (request.clusterCounted) client.countedFor = principal.id;
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
    this.budgets.set(
      client,
      new MessageBudget(this.config.wsMaxMessagesPerSecond),
    );
    client.on('pong', this.onPong);
  }

  /**
   * Whether a frame may reach a handler. A socket whose principal is gone
   * (closing for revocation or expiry) gets nothing dispatched; a socket over
   * its message budget gets an error event, and is closed if it keeps going.
   */
  admitFrame(client: ClientSocket): boolean {
    if (!client.principal) return false;
    switch (this.budgets.get(client)?.take(Date.now()) ?? 'dispatch') {
      case 'dispatch':
        return true;
      case 'refuse':
        sendError(
          client,
          toErrorBody(
            ErrorCode.RateLimited,
            `At most ${this.config.wsMaxMessagesPerSecond} messages per second per socket; slow down`,
          ),
        );
        return false;
      case 'close':
        this.end(client, POLICY_VIOLATION, ErrorCode.RateLimited);
        return false;
    }
  }

  /** Moves a live socket onto a newer token of the same user (the `auth` message). */
  renew(client: ClientSocket, next: Principal): boolean {
    // Revoked or expired while the message was in flight: it is already closing.
    if (this.registry.principalOf(client) === undefined) return false;
    this.registry.replace(client, next);
    client.principal = next;
    return true;
  }

  /** How many sockets the user holds on this instance. */
  countOf(userId: number): number {
    return this.registry.countOf(userId);
  }

  /** Closes a socket for good: no frame of it is dispatched any more, and it is cut if the peer does not answer the close. */
  end(client: ClientSocket, code: number, reason: string): undefined {
    this.registry.remove(client);
    client.principal = undefined;
    client.close(code, reason);
    setTimeout(() => {
      if (client.readyState !== client.CLOSED) client.terminate();
    }, CLOSE_GRACE_MS).unref();
    return undefined;
  }

  private detach(client: ClientSocket): void {
    this.registry.remove(client);
    client.principal = undefined;
    if (client.countedFor !== undefined) {
      this.clusterCount.release(client.countedFor);
      client.countedFor = undefined;
    }
  }

  private closeRevoked(event: RevocationEvent): void {
    for (const client of this.registry.takeRevoked(event))
      this.end(client, WsCloseCode.TokenRevoked, ErrorCode.TokenRevoked);
  }

  private closeExpired(): void {
    for (const client of this.registry.takeExpired(Date.now()))
      this.end(client, WsCloseCode.TokenExpired, ErrorCode.TokenExpired);
  }

  /** Terminates the sockets that did not answer the previous ping, pings the others. */
  private heartbeat(): void {
    const { dead, alive } = this.registry.heartbeat();
    for (const client of dead) {
      this.registry.remove(client);
      client.principal = undefined;
      client.terminate();
    }
    for (const client of alive) client.ping();
    if (dead.length > 0)
      this.logger.debug(
        `terminated ${dead.length} WebSockets that stopped answering pings`,
      );
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
