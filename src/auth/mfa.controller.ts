import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Req,
} from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { LoginRequest } from '../credentials/services/login-attempt.service';
import {
  MfaEnrolment,
  MfaStatus,
  RecoveryCodeSet,
} from '../credentials/services/mfa-enrolment.service';
import type { TotpEnrolment } from '../credentials/services/totp-factors.service';
import { CurrentUser } from './decorators/current-user.decorator';
import {
  DisableTotpDto,
  PasswordConfirmationDto,
  SecondFactorCodeDto,
  TotpConfirmationDto,
} from './dto/mfa.dto';
import {
  MfaStatusDto,
  RecoveryCodeSetDto,
  TotpEnrolmentDto,
} from './dto/mfa-responses.dto';
import { Principal } from './principal';

/**
 * The caller's own second factor. Under /auth, so a session only
 * (credential-routes.ts): an API key gets 403 session_required. Passwords
 * and codes sent here are charged to the login failure budgets.
 */
@ApiTags('mfa')
@ApiErrors(ErrorCode.ServiceUnavailable)
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaEnrolment) {}

  @ApiOperation({ summary: "The caller's second factor" })
  @ApiOkResponse({ type: MfaStatusDto })
  @Get()
  status(@CurrentUser() principal: Principal): Promise<MfaStatus> {
    return this.mfa.status(principal.id);
  }

  @ApiOperation({
    summary: 'Start a TOTP enrolment (the password again, checked as a login)',
  })
  @ApiOkResponse({ type: TotpEnrolmentDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.AccountDisabled,
    ErrorCode.Conflict,
    ErrorCode.RateLimited,
  )
  @Post('totp')
  @HttpCode(200)
  begin(
    @CurrentUser() principal: Principal,
    @Body() body: PasswordConfirmationDto,
    @Req() request: LoginRequest,
  ): Promise<TotpEnrolment> {
    return this.mfa.begin(request, principal, body.password);
  }

  @ApiOperation({
    summary: 'Confirm the enrolment with a first code; get recovery codes',
  })
  @ApiOkResponse({ type: RecoveryCodeSetDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.MfaInvalid,
    ErrorCode.NotFound,
    ErrorCode.RateLimited,
  )
  @Post('totp/confirm')
  @HttpCode(200)
  confirm(
    @CurrentUser() principal: Principal,
    @Body() body: TotpConfirmationDto,
    @Req() request: LoginRequest,
  ): Promise<RecoveryCodeSet> {
    return this.mfa.confirm(request, principal, body.code);
  }

  @ApiOperation({
    summary: 'New recovery codes (the old ones stop working)',
  })
  @ApiOkResponse({ type: RecoveryCodeSetDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.MfaInvalid,
    ErrorCode.NotFound,
    ErrorCode.RateLimited,
  )
  @Post('recovery-codes')
  @HttpCode(200)
  recoveryCodes(
    @CurrentUser() principal: Principal,
    @Body() body: SecondFactorCodeDto,
    @Req() request: LoginRequest,
  ): Promise<RecoveryCodeSet> {
    return this.mfa.replaceRecoveryCodes(request, principal, body.code);
  }

  @ApiOperation({
    summary: 'Turn the TOTP factor off (the password and a code)',
  })
  @ApiNoContentResponse({
    description: 'The factor and its recovery codes are gone.',
  })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.AccountDisabled,
    ErrorCode.MfaInvalid,
    ErrorCode.NotFound,
    ErrorCode.RateLimited,
  )
  @Delete('totp')
  @HttpCode(204)
  disable(
    @CurrentUser() principal: Principal,
    @Body() body: DisableTotpDto,
    @Req() request: LoginRequest,
  ): Promise<void> {
    return this.mfa.disable(request, principal, body.password, body.code);
  }
}
