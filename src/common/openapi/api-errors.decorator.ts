import { SetMetadata } from '@nestjs/common';
import { ErrorCode } from '../error-codes';
import { API_ERRORS_KEY } from './openapi.constants';

/**
 * Documents the error codes a route's own handler, pipes and services can
 * answer with; the OpenAPI document gives each its status (`ERROR_STATUS`)
 * and lists them as that response's `code` enum. The codes of the global
 * guards (401 for a missing or bad token, 403 insufficient_tier or
 * session_required, 429 on writes, ...) are added there from @Public,
 * @SessionOnly and @RequireTier: list only what the route itself adds. On a
 * controller, its codes count for every route.
 *
 * @example
 * @ApiErrors(ErrorCode.NotFound, ErrorCode.Conflict)
 * @Patch(':id')
 * update() {}
 */
export const ApiErrors = (...codes: ErrorCode[]) =>
  SetMetadata(API_ERRORS_KEY, codes);
