import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { CurrentUser } from './decorators/current-user.decorator';
import { SessionListDto } from './dto/auth-responses.dto';
import { Principal } from './principal';
import { SessionAdministration } from '../sessions/services/session-administration.service';
import { SessionIdPipe } from '../sessions/session-id.pipe';
import { SessionView } from '../sessions/session-view';

/** The caller's own sessions: where they are logged in, and ending one or all others. */
@ApiTags('sessions')
@ApiErrors(ErrorCode.ServiceUnavailable)
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionAdministration) {}

  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: SessionListDto })
  @Get()
  async list(
    @CurrentUser() principal: Principal,
  ): Promise<{ items: SessionView[] }> {
    return {
      items: await this.sessions.list(principal.id, principal.sessionId),
    };
  }

  /** Ends every session of the caller except the one making this request. */
  @ApiOperation({ summary: 'End every other session of the caller' })
  @ApiNoContentResponse({ description: 'The other sessions are ended.' })
  @Delete()
  @HttpCode(204)
  endOthers(
    @CurrentUser() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.sessions.endAllExcept(
      principal.id,
      principal.sessionId,
      client,
    );
  }

  /** A malformed id is 400; one that is not a live session of the caller's (another user's too) is 404. */
  @ApiOperation({ summary: "End one of the caller's sessions" })
  @ApiParam({ name: 'id', description: 'A session id from the list.' })
  @ApiNoContentResponse({ description: 'The session is ended everywhere.' })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  @Delete(':id')
  @HttpCode(204)
  end(
    @CurrentUser() principal: Principal,
    @Param('id', SessionIdPipe) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.sessions.end(principal.id, id, client);
  }
}
