import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
} from '@nestjs/common';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import { Principal } from '../auth/principal';
import { SessionAdministration } from '../auth/services/session-administration.service';
import { SessionView } from '../auth/session-view';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { UsersService } from '../users/users.service';

const userIdPipe = new ParseIntPipe({
  exceptionFactory: () =>
    new ApiException(ErrorCode.ValidationError, 'id must be an integer'),
});

/** A user's sessions, for an admin: see where they are logged in, end one. */
@RequireTier(Tier.Admin)
@Controller('admin/users/:id/sessions')
export class AdminSessionsController {
  constructor(
    private readonly sessions: SessionAdministration,
    private readonly users: UsersService,
  ) {}

  /** 404 not_found for an unknown user. `current` marks the admin's own session. */
  @Get()
  async list(
    @Param('id', userIdPipe) id: number,
    @CurrentUser() principal: Principal,
  ): Promise<{ items: SessionView[] }> {
    await this.users.getById(id);
    return { items: await this.sessions.list(id, principal.sessionId) };
  }

  /** 404 not_found for an unknown user, or a session that is not a live one of theirs. */
  @Delete(':sid')
  @HttpCode(204)
  async end(
    @Param('id', userIdPipe) id: number,
    @Param('sid') sid: string,
  ): Promise<void> {
    await this.users.getById(id);
    await this.sessions.end(id, sid);
  }
}
