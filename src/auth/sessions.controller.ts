import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { CurrentUser } from './decorators/current-user.decorator';
import { Principal } from './principal';
import { SessionAdministration } from './services/session-administration.service';
import { SessionView } from './session-view';

/** The caller's own sessions: where they are logged in, and ending one or all others. */
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionAdministration) {}

  @Get()
  async list(
    @CurrentUser() principal: Principal,
  ): Promise<{ items: SessionView[] }> {
    return {
      items: await this.sessions.list(principal.id, principal.sessionId),
    };
  }

  /** Ends every session of the caller except the one making this request. */
  @Delete()
  @HttpCode(204)
  endOthers(@CurrentUser() principal: Principal): Promise<void> {
    return this.sessions.endAllExcept(principal.id, principal.sessionId);
  }

  /** An id that is not one of the caller's live sessions (malformed, over-long, another user's) is 404. */
  @Delete(':id')
  @HttpCode(204)
  end(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
  ): Promise<void> {
    return this.sessions.end(principal.id, id);
  }
}
