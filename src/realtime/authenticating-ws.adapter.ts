import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { internalErrorBody, toErrorBody } from '../common/error-body';
import { ErrorCode } from '../common/error-codes';
import { redactUrl } from '../common/logger';
import { AppConfig } from '../config/app-config';
import type { AdmittedRequest } from './admitted-request';
import { ClientSocket, sendError, sendEvent } from './client-socket';
import { WS_MAX_PAYLOAD_BYTES } from './realtime.constants';
import { SocketAdmission } from './socket-admission.service';
import { SocketSupervisor } from './socket-supervisor.service';
import { upgradeClientAddress } from './upgrade-client-address';

type VerifyClientCallback = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/** Event names are echoed in the "unknown event" error; a client cannot make that reply large. */
const MAX_ECHOED_EVENT_LENGTH = 64;

/**
 * The platform-ws adapter with the product's rules:
 *
 * - authentication during the HTTP upgrade (ws `verifyClient`): a refused
 *   client gets an HTTP error answer with the REST `{error, code}` body and no
 *   socket ever exists; the accepted principal rides on the upgrade request,
 *   which the server's 'connection' listener hands to SocketSupervisor.attach
 *   (for every gateway, before any of its handlers runs);
 * - no compression, frames of at most 64 KB (larger ones: close 1009);
 * - every frame gets an answer: non-JSON and unknown events become error
 *   events (the stock adapter drops them silently) and the socket stays open.
 *
 * Construct it with the application: `app.useWebSocketAdapter(new AuthenticatingWsAdapter(app))`.
 */
export class AuthenticatingWsAdapter extends WsAdapter {
  private readonly log = new Logger(AuthenticatingWsAdapter.name);

  constructor(private readonly appContext: INestApplicationContext) {
    super(appContext);
  }

  override create(
    port: number,
    options: Record<string, any> & {
      namespace?: string;
      server?: any;
      path?: string;
    } = {},
  ): any {
    const admission = this.appContext.get(SocketAdmission, { strict: false });
    const clientAddress = upgradeClientAddress(
      this.appContext.get(AppConfig, { strict: false }).trustProxy,
    );
    const verifyClient = async (
      info: { req: IncomingMessage; origin?: string },
      done: VerifyClientCallback,
    ): Promise<void> => {
      const request = info.req as AdmittedRequest;
      let verdict;
      try {
        verdict = await admission.admit(
          request.url,
          request.headers.origin,
          clientAddress(request),
        );
      } catch (error) {
        // Never let an unexpected error reach ws's upgrade handler, which would write its message to the client.
        this.log.error(
          `WebSocket handshake failed for ${redactUrl(request.url ?? '')}`,
          (error as Error)?.stack,
        );
        const body = JSON.stringify(internalErrorBody());
        done(false, 500, body, { 'Content-Type': 'application/json' });
        return;
      }
      if (verdict.accepted) {
        request.principal = verdict.principal;
        request.clusterCounted = verdict.clusterCounted;
        done(true);
        return;
      }
      // The URL carries the token: only its redacted form may be logged.
      this.log.debug(
        `WebSocket handshake refused (${verdict.status} ${verdict.body.code}) for ${redactUrl(request.url ?? '')}`,
      );
      done(false, verdict.status, JSON.stringify(verdict.body), {
        'Content-Type': 'application/json',
        ...verdict.headers,
      });
    };
    const server = super.create(port, {
      ...options,
      perMessageDeflate: false,
      maxPayload: WS_MAX_PAYLOAD_BYTES,
      verifyClient,
    });
    // Registered before Nest binds the gateway's connection handler, so the
    // socket is supervised (principal set, registered) before any gateway
    // code sees it: every gateway gets the same rules.
    const supervisor = this.appContext.get(SocketSupervisor, { strict: false });
    server.on('connection', (client: ClientSocket, request: AdmittedRequest) =>
      supervisor.attach(client, request),
    );
    return server;
  }

  /**
   * Replaces the stock dispatch (which silently drops what it cannot route,
   * and builds several rxjs streams per socket) with one listener per socket.
   */
  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: any) => Observable<any>,
  ): void {
    const supervisor = this.appContext.get(SocketSupervisor, { strict: false });
    client.on('message', (data: RawData) => {
      if (!supervisor.admitFrame(client)) return;
      const message = parseMessage(data);
      if (typeof message === 'string') {
        sendError(client, toErrorBody(ErrorCode.ValidationError, message));
        return;
      }
      const handler = handlers.find(
        (candidate) => candidate.message === message.event,
      );
      if (!handler) {
        const shown =
          message.event.length > MAX_ECHOED_EVENT_LENGTH
            ? message.event.slice(0, MAX_ECHOED_EVENT_LENGTH) + '…'
            : message.event;
        sendError(
          client,
          toErrorBody(ErrorCode.NotFound, `Unknown event "${shown}"`),
        );
        return;
      }
      // Handler exceptions are turned into error events by WsExceptionFilter before they get here.
      transform(handler.callback(message.data, message.event)).subscribe({
        next: (response: unknown) => {
          if (response === undefined || response === null) return;
          const { event, data: payload } = response as {
            event: string;
            data: unknown;
          };
          sendEvent(client, event, payload);
        },
        error: (error: unknown) => {
          this.log.error(
            'WebSocket handler failed',
            (error as Error)?.stack ?? String(error),
          );
          sendError(client, internalErrorBody());
        },
      });
    });
  }
}

/** The `{event, data}` of a frame, or what is wrong with it. */
function parseMessage(
  data: RawData,
): { event: string; data: unknown } | string {
  let parsed: unknown;
  try {
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    parsed = JSON.parse(text);
  } catch {
    return 'Frames must be JSON: {"event": "<name>", "data": {...}}';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return 'A frame must be a JSON object: {"event": "<name>", "data": {...}}';
  }
  const { event, data: payload } = parsed as {
    event?: unknown;
    data?: unknown;
  };
  if (typeof event !== 'string' || event === '') {
    return 'A frame needs an "event" string: {"event": "<name>", "data": {...}}';
  }
  return { event, data: payload };
}
