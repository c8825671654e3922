import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SIGNATURE_HEADER } from './request-signature';

/** Where the hex SHA-256 of a signed request's raw body is kept (declared in app.setup.ts). */
export const BODY_SHA256_PROPERTY = 'bodySha256';

export interface WithBodyDigest {
  /** Set only on requests that carry X-API-Signature and a body. */
  bodySha256?: string | null;
}

/** Something a feature takes from the raw bytes of a JSON body before it is parsed (and must not keep the bytes). */
export type RawBodyReader = (request: FastifyRequest, body: Buffer) => void;

/**
 * Replaces Fastify's `application/json` parser with the same parser fed
 * the raw bytes, so the SHA-256 a signature covers is that of the bytes
 * the client sent, never of a re-serialised body: computed only for
 * requests that carry X-API-Signature, and kept as the digest alone.
 * `readers` see the same bytes first (the Idempotency-Key fingerprint's
 * body digest, idempotency-hooks.ts): one read of the body for all of them,
 * where a preParsing stream of their own cost a keyed request a Transform
 * and a stream pipeline.
 *
 * Requests without a signature cost what they did: Fastify 5 reads every
 * body as Buffers and decodes once at the end either way; here the one
 * decode happens here instead (and the parser is Fastify's own, with the
 * same prototype-poisoning options), and bodyless requests (every GET) never
 * reach a parser at all.
 */
export function keepBodyDigestOfSignedRequests(
  fastify: FastifyInstance,
  ...readers: RawBodyReader[]
): void {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const json = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest & WithBodyDigest, body: Buffer, done) => {
      for (const read of readers) read(request, body);
      if (request.headers[SIGNATURE_HEADER] !== undefined)
        request.bodySha256 = hash('sha256', body, 'hex');
      // Returned, so Fastify sees whatever the parser does (it calls `done`).
      return json(request, body.toString('utf8'), done);
    },
  );
}
