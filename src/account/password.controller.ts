import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import type { Principal } from '../auth/principal';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { LoginRequest } from '../credentials/services/login-attempt.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordChange } from './password-change.service';

/** `POST /auth/password`: under /auth, so a session only (credential-routes.ts). */
@ApiTags('auth')
@Controller('auth/password')
export class PasswordController {
  constructor(private readonly passwords: PasswordChange) {}

  @ApiOperation({
    summary:
      'Change your own password: every other session and every API key ends',
  })
  @ApiNoContentResponse({
    description:
      'Changed; the calling session stays, every other one and every API key of the user is ended.',
  })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.AccountDisabled,
    ErrorCode.MfaInvalid,
    ErrorCode.InsufficientUserAuthentication,
    ErrorCode.RateLimited,
    ErrorCode.ServiceUnavailable,
  )
  @Post()
  @HttpCode(204)
  change(
    @CurrentUser() principal: Principal,
    @Body() body: ChangePasswordDto,
    @Req() request: LoginRequest,
  ): Promise<void> {
    return this.passwords.change(principal, body, request);
  }
}
