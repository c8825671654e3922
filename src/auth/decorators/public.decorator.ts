import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../auth.constants';

/**
 * Opts a route out of the global access-token guard. Every other route needs
 * `Authorization: Bearer <access_token>`.
 *
 * @example
 * @Public()
 * @Get('health')
 * check() {}
 */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
