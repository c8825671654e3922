import { applyDecorators, UseFilters, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { validationPipe } from '../common/validation';
import { WsExceptionFilter } from './ws-exception.filter';

/**
 * Declares a WebSocket gateway behind the product's socket rules: the
 * handshake is authenticated (`?token=` or `?ticket=`), the principal is on
 * the socket for `@CurrentUser()` and `@RequireTier()`, the socket closes with
 * 4002 / 4001 when its token is revoked or expires, per-user and per-socket
 * limits apply, and errors come back as `{"event":"error","data":{error, code}}`.
 * All of that is done by the adapter and SocketSupervisor for every gateway;
 * this decorator adds the filter and the validation pipe, which Nest's global
 * ones do not reach on gateways. The gateway keeps only message handlers.
 *
 * @example
 * @AuthenticatedGateway({ path: '/ws/market-data' })
 * export class MarketDataGateway {
 *   @RequireTier(Tier.Trader)
 *   @SubscribeMessage('subscribe')
 *   subscribe(@CurrentUser() user: Principal, @MessageBody() body: SubscribeDto) {}
 * }
 */
export const AuthenticatedGateway = (options: { path: string }) =>
  applyDecorators(
    UseFilters(WsExceptionFilter),
    UsePipes(validationPipe),
    WebSocketGateway(options),
  );
