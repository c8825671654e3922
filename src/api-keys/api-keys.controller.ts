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
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { SessionOnly } from '../auth/decorators/session-only.decorator';
import type { Principal } from '../auth/principal';
import type { LoginRequest } from '../auth/services/login-attempt.service';
import { ApiKeyIdPipe } from './api-key-id.pipe';
import { ApiKeyView } from './api-key-view';
import { ApiKeysService, CreatedApiKey } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

/** A user's own API keys. Managed with a session only: a key cannot make or list keys. */
@SessionOnly()
@Controller('auth/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(
    @CurrentUser() principal: Principal,
    @Body() body: CreateApiKeyDto,
    @Req() request: LoginRequest,
  ): Promise<CreatedApiKey> {
    return this.keys.create(principal, body, request);
  }

  @Get()
  async list(
    @CurrentUser() principal: Principal,
  ): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list(principal.id) };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentUser() principal: Principal,
    @Param('id', ApiKeyIdPipe) id: string,
  ): Promise<void> {
    return this.keys.revoke(principal.id, id, principal.id);
  }
}
