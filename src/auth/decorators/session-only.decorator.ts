import { SetMetadata } from '@nestjs/common';
import { SESSION_ONLY_KEY } from '../auth.constants';

/**
 * Marks a route that only a password session may use: a request carrying
 * `X-API-Key` is refused with 403 session_required. Routes under `/auth`
 * (but `GET /auth/me` and `POST /auth/ws-ticket`) and every write under
 * `/admin` are session-only by their path already (credential-routes.ts);
 * use this on a route elsewhere that a leaked key must not reach, such as a
 * module's own credential settings.
 *
 * @example
 * @SessionOnly()
 * @Post('withdrawal-addresses')
 * addWithdrawalAddress() {}
 */
export const SessionOnly = () => SetMetadata(SESSION_ONLY_KEY, true);
