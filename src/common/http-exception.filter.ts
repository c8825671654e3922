import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiException } from './api.exception';
import { ErrorCode } from './error-codes';
import { isDatabaseUnavailable } from './database-errors';
import {
  codeForStatus,
  ErrorBody,
  internalErrorBody,
  toErrorBody,
} from './error-body';

export type { ErrorBody } from './error-body';

/**
 * Every non-2xx HTTP response leaves through here as exactly `{error, code}`.
 * Unknown errors become a bare 500 and are logged with the request id; their
 * message (SQL, stack) never reaches the client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, body, headers } = this.toResponse(exception, request);
    void reply.status(status).headers(headers).send(body);
  }

  private toResponse(
    exception: unknown,
    request: FastifyRequest,
  ): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof ApiException) {
      return {
        status: exception.getStatus(),
        body: exception.body,
        headers: exception.headers,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForStatus(status);
      if (code) {
        // Fastify answers a wrong Content-Type with 415; our contract calls it a validation error (400).
        return {
          status: status === 415 ? 400 : status,
          body: toErrorBody(code, this.httpMessage(exception, status)),
          headers: {},
        };
      }
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.error(
        `database unavailable (request ${request.id}): ${String(exception)}`,
      );
      return {
        status: 503,
        body: toErrorBody(
          ErrorCode.ServiceUnavailable,
          'The service is temporarily unavailable',
        ),
        headers: { 'Retry-After': '5' },
      };
    }
    this.logger.error(
      `unhandled error (request ${request.id})`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      status: 500,
      body: internalErrorBody(),
      headers: {},
    };
  }

  private httpMessage(exception: HttpException, status: number): string {
    switch (status) {
      case 404:
      case 405:
        return 'Resource not found';
      case 413:
        return 'Request body is too large';
      case 415:
        return 'Content-Type must be application/json';
      default: {
        const message = exception.message;
        // Fastify's JSON parser messages are safe and useful ("Unexpected token } in JSON...").
        return status === 400 && message
          ? `Malformed request body: ${message}`
          : message;
      }
    }
  }
}
