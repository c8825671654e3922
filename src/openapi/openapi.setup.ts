import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { buildOpenApiDocument } from './openapi-document';

/** Where the document and the Swagger UI are served. */
export const OPENAPI_JSON_PATH = '/openapi.json';
export const SWAGGER_UI_PATH = '/docs';

/**
 * Serves the OpenAPI document at `GET /openapi.json` and Swagger UI at
 * `/docs`, unless OPENAPI=off. Both are plain Fastify routes outside Nest's
 * guards: public, and (being reads) never rate-limited. The document is
 * built on its first request, so starting the server costs nothing more.
 */
export function setupOpenApi(
  app: NestFastifyApplication,
  config: AppConfig,
): void {
  if (!config.openApi) return;
  SwaggerModule.setup(SWAGGER_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'trading-auth API',
  });
}
