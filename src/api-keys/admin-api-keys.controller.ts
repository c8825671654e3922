import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import { Tier } from '../auth/tier';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiKeyIdPipe } from './api-key-id.pipe';
import { ApiKeyView } from './api-key-view';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListDto } from './dto/api-key-responses.dto';

/** Administrators' view of any user's API keys (here rather than in AdminUsersController, so the feature stays in one folder). */
@ApiTags('admin')
@ApiParam({ name: 'id', type: 'integer', description: 'The user id.' })
@ApiErrors(
  ErrorCode.ValidationError,
  ErrorCode.NotFound,
  ErrorCode.ServiceUnavailable,
)
@RequireTier(Tier.Admin)
@Controller('admin/users')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiOperation({ summary: "A user's live API keys" })
  @ApiOkResponse({ type: ApiKeyListDto })
  @Get(':id/api-keys')
  async list(
    @Param('id', ParseIdPipe) userId: number,
  ): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list(userId) };
  }

  @ApiOperation({ summary: "Revoke a user's API key" })
  @ApiParam({ name: 'keyId', description: 'The key id (22 characters).' })
  @ApiNoContentResponse({ description: 'Revoked everywhere.' })
  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  revoke(
    @Param('id', ParseIdPipe) userId: number,
    @Param('keyId', ApiKeyIdPipe) keyId: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.keys.revoke(userId, keyId, client);
  }
}
