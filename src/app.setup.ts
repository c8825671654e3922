import { acceptFormBodyForIntrospection } from './auth/introspection-form-body';
import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  NestFastifyApplication,
} from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import {
  BODY_SHA256_PROPERTY,
  keepBodyDigestOfSignedRequests,
} from './api-keys/signed-body';
import {
  clientErrorHandler,
  frameworkErrors,
  serverFactory,
} from './common/fastify-errors';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { accessLogWriter } from './common/access-log';
import {
  createRootLogger,
  flushLogs,
  PinoNestLogger,
  writesJsonLogs,
} from './common/logger';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { developmentSecretWarning } from './config/development-secret-warning';
import {
  digestKeyedBody,
  installIdempotencyHooks,
} from './idempotency/idempotency-hooks';
import { Metrics } from './metrics/metrics';
import { setupOpenApi } from './openapi/openapi.setup';
import { AuthenticatingWsAdapter } from './realtime/authenticating-ws.adapter';

/** Set on requests by JwtAuthGuard (`principal`, and `user` through passport-jwt or the memo), the rate-limit guard (`rateLimit`), the JSON parser of signed requests (`bodySha256`) and by passport during login. */
const REQUEST_PROPERTIES = [
  'principal',
  BODY_SHA256_PROPERTY,
  'rateLimit',
  'user',
  'authInfo',
  'login',
  'logIn',
  'logout',
  'logOut',
  'isAuthenticated',
  'isUnauthenticated',
  '_sessionManager',
];

/**
 * Everything that makes the application behave as it does beyond its modules:
 * used by main.ts and by the end-to-end tests, so they cannot drift apart.
 */
export function configureApp(
  app: NestFastifyApplication,
  rootLogger: Pino,
  config: AppConfig,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: Fastify would otherwise hand a text/plain body to the handlers
  // as a string. Anything else gets 400 validation_error from the filter.
  fastify.removeContentTypeParser('text/plain');
  // A signed API key request's signature covers the raw body, and an
  // Idempotency-Key's fingerprint too: their digests are kept by the JSON
  // parser, for those requests only.
  keepBodyDigestOfSignedRequests(fastify, digestKeyedBody);
  // RFC 7662: POST /auth/introspect takes a form, and it alone.
  acceptFormBodyForIntrospection(fastify);

  // Every property the guards and passport set on a request, declared up
  // front as Fastify advises: request objects keep one shape whichever code
  // path they took, so property accesses on them stay monomorphic.
  for (const name of REQUEST_PROPERTIES) fastify.decorateRequest(name, null);
  // @Idempotent() routes: the raw body's digest, and their answers kept or replayed.
  installIdempotencyHooks(fastify);

  // One line per request, written after the response; the URL is redacted
  // (WebSocket tokens travel in ?token=) and no header or body is logged.
  // The same hook feeds the HTTP histogram (by route template) when
  // METRICS_PORT is set; with it unset a request pays nothing for metrics.
  const writeAccessLog = rootLogger.isLevelEnabled('info')
    ? accessLogWriter(rootLogger, writesJsonLogs(config))
    : undefined;
  const metrics = app.get(Metrics);
  if (writeAccessLog && metrics.enabled) {
    fastify.addHook('onResponse', (request, reply, done) => {
      writeAccessLog(request, reply);
      metrics.httpResponse(request, reply);
      done();
    });
  } else if (writeAccessLog) {
    fastify.addHook('onResponse', (request, reply, done) => {
      writeAccessLog(request, reply);
      done();
    });
  } else if (metrics.enabled) {
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.httpResponse(request, reply);
      done();
    });
  }
  // Buffered log lines are written before the process goes (SIGTERM closes
  // the server, then re-raises the signal, so no 'exit' handler runs).
  fastify.addHook('onClose', async () => flushLogs());

  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(validationPipe);
  app.useWebSocketAdapter(new AuthenticatingWsAdapter(app));
  app.enableShutdownHooks();
  setupOpenApi(app, config);
}

/**
 * TRUST_PROXY in the form Fastify takes. Since 5.12 Fastify reads a bare hop
 * count as "trust nothing" (a count cannot vouch for the peer, and it also
 * gates X-Forwarded-Host/Proto, which this service never reads); the function
 * keeps TRUST_PROXY=n meaning what it says: the last n X-Forwarded-For hops
 * are believed for the client address.
 */
export function fastifyTrustProxy(
  trustProxy: AppConfig['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/** Builds the application for a validated configuration, ready to listen. */
export async function createApp(
  config: AppConfig,
  features: Type[] = [],
): Promise<NestFastifyApplication> {
  const rootLogger = createRootLogger(config);
  const secretWarning = developmentSecretWarning(config);
  if (secretWarning !== undefined) rootLogger.warn(secretWarning);
  const adapter = new FastifyAdapter({
    // Fastify's own per-request child loggers stay off (they cost on every
    // request); the onResponse hook below writes the one line we want.
    logger: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // A trading client may keep one connection for hours; the default 72 s
    // keep-alive is fine, but do not let a slow client hold a request forever.
    requestTimeout: 30_000,
    // Errors raised before routing (bad URL, over-long path parameter), by
    // Node's HTTP parser (header overflow, timeout, garbage) and by Node's
    // server itself (no Host, unknown Expect) get our `{error, code}` body
    // too, not Fastify's or an empty one.
    frameworkErrors,
    clientErrorHandler,
    serverFactory,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, features),
    adapter,
    {
      logger: new PinoNestLogger(rootLogger),
      abortOnError: false,
      // Fastify parses JSON itself; Nest's extra parsers would also accept
      // form bodies, and this API takes JSON only.
      bodyParser: false,
    },
  );
  configureApp(app, rootLogger, config);
  return app;
}
