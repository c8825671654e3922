import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is on the other end of the request being handled. */
export interface ClientInfo {
  /** Client address as Fastify resolved it (TRUST_PROXY applies). */
  ip: string | null;
  userAgent: string | null;
  /** The authenticated user's id, once a guard has set the principal. */
  actorId: number | null;
}

interface RequestLike {
  method?: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  principal?: { id: number } | null;
}

/** Longest User-Agent a session or an audit event keeps; the rest is cut off. */
export const USER_AGENT_MAX = 256;
/** Reads record no client (only logins, refreshes and changes do), so they skip the context's cost. */
const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const storage = new AsyncLocalStorage<RequestLike>();

/**
 * Runs the rest of a request's handling with its request reachable from
 * anywhere below: sessions and the audit trail record the client address and
 * User-Agent without every service signature carrying them. Writes only: no
 * read records a client, so reads skip its cost. Registered as a Fastify
 * preValidation hook (after the body is parsed: the context survives
 * into the guards and the handler, which body parsing would otherwise lose).
 */
export function requestContextHook(
  request: RequestLike,
  _reply: unknown,
  done: () => void,
): void {
  if (request.method !== undefined && READS.has(request.method)) return done();
  storage.run(request, done);
}

/** The client of the current request; all null outside one (the CLI, timers). */
export function currentClient(): ClientInfo {
  const request = storage.getStore();
  if (!request) return { ip: null, userAgent: null, actorId: null };
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent:
      typeof agent === 'string' && agent !== ''
        ? agent.slice(0, USER_AGENT_MAX)
        : null,
    actorId: request.principal?.id ?? null,
  };
}
