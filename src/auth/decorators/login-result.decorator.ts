import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { httpRequest } from '../../common/http-request';
import type { LoginOutcome } from '../../credentials/services/login-flow.service';
import { LOGIN_OUTCOME_PROPERTY } from '../auth.constants';

type WithLoginOutcome = { [LOGIN_OUTCOME_PROPERTY]?: LoginOutcome };

/**
 * The outcome of a password login (the user, and the device token to send
 * back), as LocalStrategy returned it through LocalAuthGuard. Only on a route
 * behind LocalAuthGuard; `request.user` stays for principals.
 *
 * @example
 * @UseGuards(LocalAuthGuard)
 * @Post('login')
 * login(@LoginResult() { user, deviceToken }: LoginOutcome) {}
 */
export const LoginResult = createParamDecorator(
  (_data: unknown, context: ExecutionContext): LoginOutcome => {
    const outcome =
      httpRequest<WithLoginOutcome>(context)[LOGIN_OUTCOME_PROPERTY];
    // A programming error (a route without LocalAuthGuard), never a client's.
    if (!outcome) throw new Error('@LoginResult() needs LocalAuthGuard');
    return outcome;
  },
);
