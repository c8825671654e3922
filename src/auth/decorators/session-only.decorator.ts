import { SetMetadata } from '@nestjs/common';
import { SESSION_ONLY_KEY } from '../auth.constants';

/**
 * Marks a route that only a password session may use (login, refresh,
 * logout, managing API keys): a request carrying `X-API-Key` is refused with
 * 403 session_required, so a leaked key cannot mint sessions or more keys.
 *
 * @example
 * @SessionOnly()
 * @Post('logout')
 * logout() {}
 */
export const SessionOnly = () => SetMetadata(SESSION_ONLY_KEY, true);
