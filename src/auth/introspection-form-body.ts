import { errorCodes, type FastifyInstance } from 'fastify';

/** The one route that takes a form-encoded body (RFC 7662 says so). */
export const FORM_ROUTES: ReadonlySet<string> = new Set(['/auth/introspect']);

/**
 * `application/x-www-form-urlencoded` for POST /auth/introspect only: every
 * other route stays JSON-only (a form login would otherwise reach
 * passport-local, which reads form fields). Written here rather than
 * @fastify/formbody, which parses for every route of the instance. A name
 * given twice becomes an array, which validation refuses (RFC 6749 3.1: no
 * parameter more than once).
 */
export function acceptFormBodyForIntrospection(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body: string, done) => {
      if (!FORM_ROUTES.has(request.routeOptions.url ?? '')) {
        // What Fastify answers without a parser for the type: 415.
        done(
          new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(
            request.headers['content-type'],
          ),
          undefined,
        );
        return;
      }
      const fields: Record<string, string | string[]> = Object.create(
        null,
      ) as Record<string, string | string[]>;
      for (const [name, value] of new URLSearchParams(body)) {
        const seen = fields[name];
        fields[name] =
          seen === undefined
            ? value
            : Array.isArray(seen)
              ? [...seen, value]
              : [seen, value];
      }
      done(null, { ...fields });
    },
  );
}
