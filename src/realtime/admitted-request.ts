import type { IncomingMessage } from 'node:http';
import type { WithPrincipal } from '../auth/principal-of';

/** The upgrade request once admitted: what SocketSupervisor.attach receives. */
export type AdmittedRequest = IncomingMessage &
  WithPrincipal & {
    /** Whether the socket was counted in Redis and must be given back on close. */
    clusterCounted?: boolean;
  };
