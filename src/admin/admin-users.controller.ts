import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import { Tier } from '../auth/tier';
import { ApiException } from '../common/api.exception';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { Page } from '../users/users.service';
import {
  CreatedUserDto,
  UserPageDto,
  UserViewDto,
} from './dto/admin-responses.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserAdministrationService } from './user-administration.service';
import { toUserView, UserView } from './user-view';

@ApiTags('admin')
@ApiErrors(ErrorCode.ValidationError, ErrorCode.ServiceUnavailable)
@RequireTier(Tier.Admin)
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly admin: UserAdministrationService) {}

  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiErrors(ErrorCode.Conflict)
  // An admin script may retry a creation safely; its answer holds no secret.
  @Idempotent({ required: false })
  @Post()
  async create(
    @Body() body: CreateUserDto,
    @Client() client: ClientInfo,
  ): Promise<Pick<UserView, 'id' | 'username' | 'permission_tier'>> {
    const user = await this.admin.create(
      body.username,
      body.password,
      body.permission_tier,
      client,
    );
    return {
      id: user.id,
      username: user.username,
      permission_tier: user.permissionTier,
    };
  }

  @ApiOperation({ summary: 'List users, a page at a time' })
  @ApiOkResponse({ type: UserPageDto })
  @Get()
  async list(@Query() query: ListUsersQuery): Promise<Page<UserView>> {
    const page = await this.admin.list(query.page, query.per_page);
    return { ...page, items: page.items.map(toUserView) };
  }

  @ApiOperation({
    summary: "Change a user's tier, disable or enable them, set their password",
  })
  @ApiParam({ name: 'id', type: 'integer', description: 'The user id.' })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrors(ErrorCode.NotFound, ErrorCode.Conflict)
  @Patch(':id')
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() body: UpdateUserDto,
    @Client() client: ClientInfo,
  ): Promise<UserView> {
    if (
      body.permission_tier === undefined &&
      body.disabled === undefined &&
      body.password === undefined
    ) {
      throw new ApiException(
        ErrorCode.ValidationError,
        'Nothing to change: send permission_tier, disabled or password',
      );
    }
    return toUserView(await this.admin.update(id, body, client));
  }

  @ApiOperation({ summary: 'End every session of a user' })
  @ApiParam({ name: 'id', type: 'integer', description: 'The user id.' })
  @ApiNoContentResponse({ description: 'Every session of the user is ended.' })
  @ApiErrors(ErrorCode.NotFound)
  @Delete(':id/sessions')
  @HttpCode(204)
  revokeSessions(
    @Param('id', ParseIdPipe) id: number,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.revokeSessions(id, client);
  }

  @ApiOperation({
    summary:
      "Reset a user's second factor (a lost phone): it goes, and every session ends",
  })
  @ApiParam({ name: 'id', type: 'integer', description: 'The user id.' })
  @ApiNoContentResponse({
    description:
      'The factor and its recovery codes are gone; every session (and API key) of the user is ended.',
  })
  @ApiErrors(ErrorCode.NotFound)
  @Delete(':id/mfa')
  @HttpCode(204)
  resetMfa(
    @Param('id', ParseIdPipe) id: number,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.resetMfa(id, client);
  }
}
