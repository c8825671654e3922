import type { WebSocket } from 'ws';
import type { WithPrincipal } from '../auth/principal-of';
import type { ErrorBody } from '../common/error-body';
import { WS_ERROR_EVENT } from './realtime.constants';

/**
 * A connected client: the ws socket carrying the principal it authenticated
 * as, where principalOf (and so @RequireTier) reads it.
 */
export type ClientSocket = WebSocket &
  WithPrincipal & {
    /** Set while the socket is counted in Redis for its user (ClusterSocketCount). */
    countedFor?: number;
  };

/** Sends `{"event","data"}` if the socket is still open; frames to a closing socket are dropped. */
export function sendEvent(
  client: WebSocket,
  event: string,
  data: unknown,
): void {
  if (client.readyState !== client.OPEN) return;
  client.send(JSON.stringify({ event, data }));
}

/** The error reply: `{"event":"error","data":{"error","code"}}`, the REST error body as event data. */
export function sendError(client: WebSocket, body: ErrorBody): void {
  sendEvent(client, WS_ERROR_EVENT, body);
}
