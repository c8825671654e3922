import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hash } from 'node:crypto';
import {
  IDEMPOTENCY_KEY_HEADER,
  MAX_STORED_BODY_BYTES,
  REPLAYED_HEADER,
} from './idempotency.constants';
import { Claim, StoredResponse } from './idempotency.store';

/** What IdempotencyInterceptor left on a request for the onSend hook. */
export type IdempotencyState =
  | { kind: 'claimed'; claim: Claim; ttlMs: number }
  | { kind: 'replay'; response: StoredResponse };

/** The request properties of this feature (declared up front, as Fastify advises). */
export interface IdempotentRequest {
  /** SHA-256 of the raw body, when the request carried an Idempotency-Key. */
  idempotencyBody: Buffer | null;
  idempotency: IdempotencyState | null;
}

const logger = new Logger('Idempotency');

/**
 * Keeps the SHA-256 of the raw body of a request that carries an
 * Idempotency-Key, so the fingerprint is of the bytes the client sent,
 * before JSON parsing: a RawBodyReader of the JSON parser (app.setup.ts).
 * A request without a body never reaches a parser and keeps null (the
 * fingerprint's empty body); any other content type is refused with 415
 * before the handler, so it never claims a key.
 */
export function digestKeyedBody(request: FastifyRequest, body: Buffer): void {
  if (request.headers[IDEMPOTENCY_KEY_HEADER] === undefined) return;
  (request as unknown as IdempotentRequest).idempotencyBody = hash(
    'sha256',
    body,
    'buffer',
  );
}

/**
 * The Fastify hook of @Idempotent() routes, installed by configureApp:
 * onSend sees the answer exactly as it goes out, whoever made it (the
 * handler, or the exception filter for a 4xx/5xx): it keeps it for replay,
 * or releases the key on a 5xx. For a replay it puts the stored answer in
 * place of the empty one Nest sends. It waits for the store, so a client
 * that has the answer finds it replayed on its retry.
 */
export function installIdempotencyHooks(fastify: FastifyInstance): void {
  fastify.decorateRequest('idempotencyBody', null);
  fastify.decorateRequest('idempotency', null);

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const holder = request as unknown as IdempotentRequest;
    const state = holder.idempotency;
    if (state === null) {
      done(null, payload);
      return;
    }
    holder.idempotency = null;
    if (state.kind === 'replay') {
      done(null, replay(reply, state.response));
      return;
    }
    void settle(request, reply, payload, state.claim, state.ttlMs).then(() =>
      done(null, payload),
    );
  });
}

function replay(reply: FastifyReply, response: StoredResponse): Buffer {
  void reply.code(response.status);
  if (response.contentType !== undefined)
    void reply.header('content-type', response.contentType);
  if (response.location !== undefined)
    void reply.header('location', response.location);
  void reply.header(REPLAYED_HEADER, 'true');
  return response.body;
}

/**
 * 5xx: the key is released, so the client may retry. Anything else is the
 * handler's answer (2xx, or its own 4xx: validation, not found, conflict),
 * kept as the IETF draft advises. Requests refused before the handler (401,
 * 403, 429) never claimed a key.
 */
async function settle(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  claim: Claim,
  ttlMs: number,
): Promise<void> {
  try {
    const body = bytesOf(payload);
    if (reply.statusCode >= 500) {
      await claim.release();
    } else if (body === undefined || body.length > MAX_STORED_BODY_BYTES) {
      logger.warn(
        `answer of ${request.method} ${request.routeOptions.url ?? request.url} not kept for replay ` +
          `(${body === undefined ? 'a stream' : `${body.length} bytes`}); its Idempotency-Key is released`,
      );
      await claim.release();
    } else {
      await claim.complete(
        {
          status: reply.statusCode,
          contentType: headerText(reply.getHeader('content-type')),
          location: headerText(reply.getHeader('location')),
          body,
        },
        ttlMs,
      );
    }
  } catch (error) {
    // The answer still goes out; the in-flight mark lapses by itself.
    logger.error(
      `Idempotency-Key of request ${request.id} not settled: ${String(error)}`,
    );
  }
}

function bytesOf(payload: unknown): Buffer | undefined {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  return undefined;
}

function headerText(
  value: string | number | string[] | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
