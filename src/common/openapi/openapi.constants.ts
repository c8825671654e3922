/** Metadata key of @ApiErrors: the error codes a route's own handler, pipes and services answer with. */
export const API_ERRORS_KEY = 'openapi:errors';

/** Name of the one error body schema in the OpenAPI document's components. */
export const ERROR_BODY_SCHEMA = 'ErrorBody';
