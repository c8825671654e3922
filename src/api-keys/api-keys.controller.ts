import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import type { Principal } from '../auth/principal';
import type { LoginRequest } from '../credentials/services/login-attempt.service';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiKeyIdPipe } from './api-key-id.pipe';
import { ApiKeyView } from './api-key-view';
import { ApiKeysService, CreatedApiKey } from './api-keys.service';
import { ApiKeyListDto, CreatedApiKeyDto } from './dto/api-key-responses.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

/** A user's own API keys. Under /auth, so managed with a session only (credential-routes.ts): a key cannot make or list keys. */
@ApiTags('api-keys')
@ApiErrors(ErrorCode.ServiceUnavailable)
@Controller('auth/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiOperation({
    summary: 'Create an API key (the password again, checked as a login)',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.AccountDisabled,
    ErrorCode.InsufficientTier,
    ErrorCode.MfaInvalid,
    ErrorCode.InsufficientUserAuthentication,
    ErrorCode.Unprocessable,
    ErrorCode.RateLimited,
  )
  @Post()
  create(
    @CurrentUser() principal: Principal,
    @Body() body: CreateApiKeyDto,
    @Req() request: LoginRequest,
  ): Promise<CreatedApiKey> {
    return this.keys.create(principal, body, request);
  }

  @ApiOperation({ summary: "The caller's live API keys" })
  @ApiOkResponse({ type: ApiKeyListDto })
  @Get()
  async list(
    @CurrentUser() principal: Principal,
  ): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list(principal.id) };
  }

  @ApiOperation({ summary: "Revoke one of the caller's API keys" })
  @ApiParam({ name: 'id', description: 'The key id (22 characters).' })
  @ApiNoContentResponse({ description: 'Revoked everywhere.' })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentUser() principal: Principal,
    @Param('id', ApiKeyIdPipe) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.keys.revoke(principal.id, id, client);
  }
}
