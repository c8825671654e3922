import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import {
  ErrorBody,
  internalErrorBody,
  toErrorBody,
} from '../common/error-body';
import { sendError } from './client-socket';

/**
 * What a message handler throws becomes an error event on its socket,
 * `{"event":"error","data":{"error","code"}}`, and the socket stays open:
 * an ApiException (TierGuard's insufficient_tier, the ValidationPipe's
 * validation_error) keeps its code; anything unexpected is logged and sent as
 * internal_error without its message. (Nest's default WS filter emits an
 * `exception` event that platform-ws never sends.)
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'ws') return;
    sendError(host.switchToWs().getClient<WebSocket>(), this.toBody(exception));
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof ApiException) return exception.body;
    // What a guard returning false or a handler's own WsException says is about the message.
    if (exception instanceof WsException)
      return toErrorBody(ErrorCode.ValidationError, exception.message);
    if (exception instanceof HttpException && exception.getStatus() === 400) {
      return toErrorBody(ErrorCode.ValidationError, exception.message);
    }
    this.logger.error(
      'unhandled error in a WebSocket handler',
      exception instanceof Error ? exception.stack : String(exception),
    );
    return internalErrorBody();
  }
}
