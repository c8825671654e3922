import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { SessionListDto } from '../auth/dto/auth-responses.dto';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import { Principal } from '../auth/principal';
import { SessionAdministration } from '../sessions/services/session-administration.service';
import { SessionIdPipe } from '../sessions/session-id.pipe';
import { SessionView } from '../sessions/session-view';
import { Tier } from '../auth/tier';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { UsersService } from '../users/users.service';

/** A user's sessions, for an admin: see where they are logged in, end one. */
@ApiTags('admin')
@ApiParam({ name: 'id', type: 'integer', description: 'The user id.' })
@ApiErrors(
  ErrorCode.ValidationError,
  ErrorCode.NotFound,
  ErrorCode.ServiceUnavailable,
)
@RequireTier(Tier.Admin)
@Controller('admin/users/:id/sessions')
export class AdminSessionsController {
  constructor(
    private readonly sessions: SessionAdministration,
    private readonly users: UsersService,
  ) {}

  /** 404 not_found for an unknown user. `current` marks the admin's own session. */
  @ApiOperation({ summary: "A user's live sessions" })
  @ApiOkResponse({ type: SessionListDto })
  @Get()
  async list(
    @Param('id', ParseIdPipe) id: number,
    @CurrentUser() principal: Principal,
  ): Promise<{ items: SessionView[] }> {
    await this.users.getById(id);
    return { items: await this.sessions.list(id, principal.sessionId) };
  }

  /** 404 not_found for an unknown user, or a session that is not a live one of theirs. */
  @ApiOperation({ summary: "End one of a user's sessions" })
  @ApiParam({ name: 'sid', description: 'A session id from the list.' })
  @ApiNoContentResponse({ description: 'The session is ended everywhere.' })
  @Delete(':sid')
  @HttpCode(204)
  async end(
    @Param('id', ParseIdPipe) id: number,
    @Param('sid', SessionIdPipe) sid: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    await this.users.getById(id);
    await this.sessions.end(id, sid, client);
  }
}
