/** Who is on the other end of a request: what sessions and the audit trail record. */
export interface ClientInfo {
  /** Client address as Fastify resolved it (TRUST_PROXY applies). */
  ip: string | null;
  userAgent: string | null;
  /** The authenticated user's id, once a guard has set the principal. */
  actorId: number | null;
}

interface RequestLike {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  principal?: { id: number } | null;
}

/** Longest User-Agent a session or an audit event keeps; the rest is cut off. */
export const USER_AGENT_MAX = 256;

/** No request behind the change: the operator CLI, timers, start-up. */
export const NO_CLIENT: ClientInfo = Object.freeze({
  ip: null,
  userAgent: null,
  actorId: null,
});

/**
 * The client of `request`, read where the request is at hand (the
 * controllers, through `@Client()`) and passed down as an argument.
 *
 * Not an AsyncLocalStorage context on purpose: on Node 20, the first
 * `run()` turns on async hooks and promise hooks for the whole process, for
 * good, and every later request (reads included) paid for them: about 5 %
 * of the samples of a GET /auth/me profile once the server had taken logins.
 */
export function clientOf(request: RequestLike): ClientInfo {
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
