import { INestApplication, Type } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { ModulesContainer, Reflector } from '@nestjs/core';
import {
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
  type HeaderObject,
  type LicenseObject,
  type OperationObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { RouteAccess, routeAccess } from '../auth/route-access';
import { Scope, scopeNeeded } from '../auth/scope';
import { Tier } from '../auth/tier';
import { ErrorCode } from '../common/error-codes';
import { ErrorBodySchema } from '../common/openapi/error-body.schema';
import {
  API_ERRORS_KEY,
  ERROR_BODY_SCHEMA,
} from '../common/openapi/openapi.constants';
import {
  describeIdempotency,
  idempotencyErrorCodes,
  idempotentMetadataOf,
} from '../idempotency/idempotency-openapi';
import { RATE_LIMITED_METHODS } from '../rate-limit/rate-limit.constants';
import { withJsonSchemaNulls } from './json-schema-nulls';
import { ErrorResponses, routeErrors, tierName } from './route-errors';

/** Names of the security schemes in `components.securitySchemes`. */
export const SecurityScheme = {
  Bearer: 'bearer',
  ApiKey: 'apiKey',
  ApiKeyTimestamp: 'apiKeyTimestamp',
  ApiKeySignature: 'apiKeySignature',
} as const;

/** Extension naming the permission tier an operation needs (absent on public ones). */
export const REQUIRED_TIER_EXTENSION = 'x-required-tier';
/** Extension naming the scope an API key needs there (absent where keys are refused). */
export const REQUIRED_SCOPE_EXTENSION = 'x-required-scope';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const RETRY_AFTER: HeaderObject = {
  description: 'Whole seconds to wait before retrying.',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
/** Sent on every counted write: its successes and its 429s. */
const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'RateLimit-Policy': {
    description:
      'Every budget the request was charged to, e.g. `"ip";q=300;w=60, "user";q=120;w=60`.',
    required: true,
    schema: { type: 'string' },
  },
  RateLimit: {
    description:
      'The budget closest to running out: `"<name>";r=<left>;t=<seconds to its reset>`.',
    required: true,
    schema: { type: 'string' },
  },
};

/** What each status means, before the route's codes. */
const STATUS_MEANING: Record<number, string> = {
  400: 'Invalid request',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  414: 'A path parameter is over 100 characters',
  422: 'Business rule violated',
  429: 'Rate limit exceeded',
  500: 'Internal error (logged with the request id; no detail is sent)',
  503: 'Temporarily unavailable',
};

/**
 * The tags the controllers put on their routes (`@ApiTags`), declared at the
 * top level so tools can group and describe them (Spectral's
 * operation-tag-defined, Redocly's tag-description). A new tag needs its
 * line here: test/openapi.e2e-spec.ts fails on a tag used but not declared.
 */
const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  {
    name: 'auth',
    description:
      'Login, refresh and logout; the caller (`/auth/me`) and single-use WebSocket tickets.',
  },
  {
    name: 'mfa',
    description:
      "The caller's second factor: TOTP enrolment, recovery codes, turning it off.",
  },
  {
    name: 'sessions',
    description:
      "The caller's own sessions (one per login): list them, end one or all the others.",
  },
  {
    name: 'api-keys',
    description:
      "The caller's API keys for programs: create (shown once), list, revoke.",
  },
  {
    name: 'admin',
    description:
      'Administration (tier 4): users, their sessions and API keys, and the audit trail.',
  },
  {
    name: 'discovery',
    description:
      'The public keys that verify access tokens (JWKS) and the RFC 8414 metadata.',
  },
  {
    name: 'health',
    description:
      'Whether this instance can serve, for load balancers and probes.',
  },
];

interface Route {
  controller: Type;
  handler: (...args: unknown[]) => unknown;
}

const operationId = (controllerKey: string, methodKey: string) =>
  `${controllerKey}_${methodKey}`;

/**
 * The application's OpenAPI 3.1 document. @nestjs/swagger describes routes,
 * bodies and parameters from the decorators; then every operation gets,
 * from the same metadata the guards read (so it cannot drift from them),
 * its security schemes, the tier it needs (`x-required-tier` and the
 * description), and one error response per status with the codes it can
 * send there as the `code` enum of the shared ErrorBody schema.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('trading-auth')
    .setDescription(
      'Authentication of the trading platform API: login, refresh, logout, sessions, ' +
        'API keys and administration. Every non-2xx response is `{error, code}` (ErrorBody); ' +
        'each response lists the codes that route can send. Instants are Unix epoch seconds.',
    )
    .setVersion('1')
    // Relative: it resolves against wherever the document was fetched, so it
    // stays right behind any host name, port or TLS-terminating proxy.
    .addServer('/', 'This instance, where this document was fetched from')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'The access token from `POST /auth/login` or `/auth/refresh`.',
      },
      SecurityScheme.Bearer,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description:
          'An API key from `POST /auth/api-keys`, in place of a Bearer token (never both): a secret key `tak_<id>.<secret>` alone, or the id of an ed25519 key with X-API-Timestamp and X-API-Signature. The scope listed is the one the key must have been granted.',
      },
      SecurityScheme.ApiKey,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Timestamp',
        description:
          'A signed request: milliseconds since the epoch, within the window (X-API-Recv-Window, 1 to 60000 ms, default 5000) and at most 1 s ahead of `GET /time`.',
      },
      SecurityScheme.ApiKeyTimestamp,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Signature',
        description:
          'A signed request: the Ed25519 signature, standard base64, of `<timestamp>\\n<METHOD>\\n<path and query as sent>\\n<hex SHA-256 of the raw body>`; each signature is accepted once.',
      },
      SecurityScheme.ApiKeySignature,
    );
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const config = builder.build();
  // Set directly: DocumentBuilder's setters always write `url` and `email`,
  // and this private service has neither a public contact address nor a
  // licence text to point to. package.json says UNLICENSED (no rights
  // granted); SPDX's LicenseRef- is how a licence off its list is named, and
  // tools want a `url` or an `identifier` (Redocly's info-license-strict,
  // the 3.1 schema test/openapi.e2e-spec.ts validates against).
  config.info.contact = {
    name: 'The trading platform team that operates this instance',
  };
  // @nestjs/swagger types OpenAPI 3.0's License Object, which has no `identifier`.
  const license: LicenseObject & { identifier: string } = {
    name: 'Proprietary (UNLICENSED)',
    identifier: 'LicenseRef-Proprietary',
  };
  config.info.license = license;
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationId,
    extraModels: [ErrorBodySchema],
  });

  const routes = routesOf(app);
  const reflector = new Reflector();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const route = routes.get(operation.operationId ?? '');
      if (route === undefined)
        throw new Error(
          `OpenAPI: no handler found for ${method.toUpperCase()} ${path}`,
        );
      const targets = [route.handler, route.controller];
      const access = routeAccess(route.handler, route.controller);
      const declared = reflector.getAllAndMerge<ErrorCode[]>(
        API_ERRORS_KEY,
        targets,
      );
      const upper = method.toUpperCase();
      const idempotent = idempotentMetadataOf(route.handler);
      describeAccess(operation, access, upper);
      describeSuccesses(operation);
      addErrorResponses(
        operation,
        routeErrors({ method: upper, path }, access, [
          ...declared,
          ...(idempotent ? idempotencyErrorCodes(idempotent) : []),
        ]),
      );
      if (RATE_LIMITED_METHODS.has(upper)) addRateLimitHeaders(operation);
      if (idempotent) describeIdempotency(operation);
    }
  }
  closeComponentSchemas(document);
  return withJsonSchemaNulls(document);
}

/** operationId -> the controller class and handler it was made from. */
function routesOf(app: INestApplication): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      // Handlers may come from a base class: walk the prototype chain.
      for (
        let prototype = controller.prototype as Record<string, unknown>;
        prototype !== Object.prototype;
        prototype = Object.getPrototypeOf(prototype)
      ) {
        for (const name of Object.getOwnPropertyNames(prototype)) {
          // The descriptor, not prototype[name]: a getter would run.
          const handler: unknown = Object.getOwnPropertyDescriptor(
            prototype,
            name,
          )?.value;
          const id = operationId(controller.name, name);
          if (
            name !== 'constructor' &&
            typeof handler === 'function' &&
            !routes.has(id)
          )
            routes.set(id, {
              controller,
              handler: handler as Route['handler'],
            });
        }
      }
    }
  }
  return routes;
}

/**
 * Who may call the operation: public, or its tier with a Bearer token and,
 * where keys are let in, an API key of the scope it needs (secret, or the
 * three headers of a signed request), as ApiKeyGuard decides it.
 */
function describeAccess(
  operation: OperationObject,
  access: RouteAccess,
  method: string,
) {
  const lines: string[] = [];
  const extensions = operation as OperationObject & Record<string, unknown>;
  const scope: Scope | undefined = access.sessionOnly
    ? undefined
    : scopeNeeded(access.requiredScope, method);
  if (access.isPublic) {
    operation.security = [];
    lines.push('**Access:** public, no authentication.');
  } else {
    const tier = access.requiredTier ?? Tier.Monitor;
    extensions[REQUIRED_TIER_EXTENSION] = tier;
    operation.security = [{ [SecurityScheme.Bearer]: [] }];
    if (scope !== undefined) {
      // The scope goes in x-required-scope, not in the requirements' arrays:
      // Spectral's oas3-operation-security-defined takes any name there for
      // an OAuth scope and warns on an apiKey scheme (12 warnings).
      extensions[REQUIRED_SCOPE_EXTENSION] = scope;
      operation.security.push(
        { [SecurityScheme.ApiKey]: [] },
        {
          [SecurityScheme.ApiKey]: [],
          [SecurityScheme.ApiKeyTimestamp]: [],
          [SecurityScheme.ApiKeySignature]: [],
        },
      );
    }
    lines.push(
      `**Access:** permission ${tierName(tier)} or higher` +
        (scope === undefined
          ? ", with a session's Bearer access token."
          : `, with a Bearer access token or an X-API-Key granted the \`${scope}\` scope (secret or signed).`),
    );
  }
  if (access.sessionOnly)
    lines.push('`X-API-Key` is refused here with 403 `session_required`.');
  else if (!access.isPublic && scope === undefined)
    lines.push(
      'A write that declares no scope: `X-API-Key` is refused here with 403 `insufficient_scope`.',
    );
  operation.description = [lines.join(' '), operation.description]
    .filter(Boolean)
    .join('\n\n');
}

function addErrorResponses(
  operation: OperationObject,
  errors: ErrorResponses,
): void {
  for (const [status, codes] of errors) {
    if (operation.responses[status] !== undefined)
      throw new Error(
        `OpenAPI: ${operation.operationId} documents ${status} itself; use @ApiErrors`,
      );
    const response: ResponseObject = {
      description: `${STATUS_MEANING[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: `#/components/schemas/${ERROR_BODY_SCHEMA}` },
              {
                type: 'object',
                properties: { code: { type: 'string', enum: codes } },
              },
            ],
          },
        },
      },
    };
    if (status === 429)
      response.headers = { 'Retry-After': RETRY_AFTER, ...RATE_LIMIT_HEADERS };
    if (status === 503) response.headers = { 'Retry-After': RETRY_AFTER };
    operation.responses[status] = response;
  }
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Writes are counted, and their successful answers say how much budget is left. */
function addRateLimitHeaders(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (status.startsWith('2'))
      (response as ResponseObject).headers = {
        ...RATE_LIMIT_HEADERS,
        ...(response as ResponseObject).headers,
      };
  }
}

/** Swagger leaves a success without a description empty; OpenAPI wants one. */
function describeSuccesses(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    const success = response as ResponseObject;
    if (!success.description)
      success.description = STATUS_CODES[Number(status)] ?? 'Success';
  }
}

/**
 * Request bodies are refused with any field the DTO does not declare
 * (forbidNonWhitelisted), and response bodies have exactly the fields
 * documented: every object schema of the components says so. Free-form
 * objects inside them (an audit event's `detail`) are inline and stay open.
 */
function closeComponentSchemas(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    const object = schema as SchemaObject;
    if (object.type === 'object' && object.additionalProperties === undefined)
      object.additionalProperties = false;
  }
}
