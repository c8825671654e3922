import { RequestMethod } from '@nestjs/common';

/**
 * Where an API key may not go, whatever the route's own decorators say: a key
 * never creates, changes or ends a credential (users, passwords, sessions,
 * keys, second factors). The rule follows from the path, so a controller
 * added later under these prefixes is covered without writing anything; a
 * per-controller @SessionOnly() that someone forgets is what let a tier-4
 * key mint admins through POST /admin/users.
 *
 * - Under `/auth`, a key reaches only the routes listed in KEY_ROUTES_UNDER_AUTH.
 * - Under `/admin`, a key keeps the reads (GET, HEAD: a back-office export of
 *   users or of the audit trail) and every write needs a session.
 */
/**
 * The only `/auth` routes a key may call: who am I, a ticket for its socket,
 * and introspection (a service checking the tokens it is shown; it changes
 * no credential, and needs the `introspect` scope and tier 4).
 */
export const KEY_ROUTES_UNDER_AUTH: ReadonlySet<string> = new Set([
  'GET auth/me',
  'POST auth/ws-ticket',
  'POST auth/introspect',
]);

const READS = new Set<RequestMethod>([RequestMethod.GET, RequestMethod.HEAD]);

/** `/Admin//users/` → `admin/users`: Nest and Fastify ignore the slashes we strip. */
export function normalizeRoutePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .join('/')
    .toLowerCase();
}

/**
 * Whether a route (its method and its full path as Nest mounts it, e.g.
 * `admin/users/:id`) must refuse API keys with 403 session_required.
 * RequestMethod.ALL (and any method not listed) counts as a write.
 */
export function credentialRouteNeedsSession(
  method: RequestMethod,
  path: string,
): boolean {
  const normalized = normalizeRoutePath(path);
  const prefix = normalized.split('/', 1)[0];
  if (prefix === 'auth')
    return !KEY_ROUTES_UNDER_AUTH.has(`${RequestMethod[method]} ${normalized}`);
  if (prefix === 'admin') return !READS.has(method);
  return false;
}
