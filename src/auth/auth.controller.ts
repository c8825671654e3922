import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ClientInfo } from '../common/client-info';
import { Client } from '../common/client.decorator';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Metrics } from '../metrics/metrics';
import { refreshOutcomeOf } from '../metrics/outcomes';
import { WithRateLimitLedger } from '../rate-limit/rate-limit-ledger';
import { RateLimiter } from '../rate-limit/rate-limiter.service';
import { CurrentUser } from './decorators/current-user.decorator';
import { LoginResult } from './decorators/login-result.decorator';
import { Public } from './decorators/public.decorator';
import {
  LoginResponseDto,
  MeResponseDto,
  RefreshResponseDto,
  WsTicketResponseDto,
} from './dto/auth-responses.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { Principal } from './principal';
import type { LoginRequest } from '../credentials/services/login-attempt.service';
import {
  LoginFlow,
  LoginOutcome,
} from '../credentials/services/login-flow.service';
import { SecondFactorCheck } from '../credentials/services/second-factor-check.service';
import { TotpFactors } from '../credentials/services/totp-factors.service';
import { ApiException } from '../common/api.exception';
import { LoginMfaDto, SecondFactorCodeDto } from './dto/mfa.dto';
import {
  AuthService,
  LoginResponse,
  RefreshResponse,
} from './services/auth.service';
import { RequireScope } from './decorators/require-scope.decorator';
import { Scope } from './scope';
import { IssuedTicket, WsTicketService } from './services/ws-ticket.service';
import { Tier } from './tier';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tickets: WsTicketService,
    private readonly limiter: RateLimiter,
    private readonly logins: LoginFlow,
    private readonly codes: SecondFactorCheck,
    private readonly factors: TotpFactors,
    private readonly metrics: Metrics,
  ) {}

  /**
   * The spec's four fields, plus `device_token` (a trusted device token:
   * sent back with later logins, it exempts them from the per-account
   * failure budget). Its budgets are checked in LoginAttemptService. For an
   * account with a second factor, the right password answers 401
   * mfa_required with an `mfa_token` (LoginFlow), unless `otp` came along.
   */
  @ApiOperation({ summary: 'Log in with username and password' })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.MfaRequired,
    ErrorCode.MfaInvalid,
    ErrorCode.AccountDisabled,
    ErrorCode.RateLimited,
    ErrorCode.ServiceUnavailable,
  )
  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  async login(
    @LoginResult() { user, deviceToken, amr }: LoginOutcome,
    @Client() client: ClientInfo,
  ): Promise<LoginResponse & { device_token: string }> {
    return {
      ...(await this.auth.login(user, client, amr)),
      device_token: deviceToken,
    };
  }

  /**
   * The second step of a login that answered `401 mfa_required`: the
   * mfa_token and a code. Each code is charged to the login failure budgets;
   * an mfa_token takes 5 codes at most, and works once.
   */
  @ApiOperation({
    summary: 'Finish a login with a second-factor code',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.MfaInvalid,
    ErrorCode.MfaTokenInvalid,
    ErrorCode.AccountDisabled,
    ErrorCode.RateLimited,
    ErrorCode.ServiceUnavailable,
  )
  @Public()
  @Post('login/mfa')
  @HttpCode(200)
  async loginMfa(
    @Body() body: LoginMfaDto,
    @Req() request: LoginRequest,
    @Client() client: ClientInfo,
  ): Promise<LoginResponse & { device_token: string }> {
    const { user, deviceToken, amr } = await this.logins.withCode(
      request,
      body.mfa_token,
      body.code,
      body.device_token,
    );
    return {
      ...(await this.auth.login(user, client, amr)),
      device_token: deviceToken,
    };
  }

  /**
   * A fresh second factor on the caller's session: the new access token
   * has `otp` in `amr` and `auth_time` now, for routes behind
   * `@RequireMfa({ maxAge })` and this product's sensitive actions.
   */
  @ApiOperation({ summary: 'Step up: prove the second factor again' })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.MfaInvalid,
    ErrorCode.MfaEnrollmentRequired,
    ErrorCode.RateLimited,
  )
  @Post('step-up')
  @HttpCode(200)
  async stepUp(
    @CurrentUser() principal: Principal,
    @Body() body: SecondFactorCodeDto,
    @Req() request: LoginRequest,
    @Client() client: ClientInfo,
  ): Promise<RefreshResponse> {
    if (!(await this.factors.isEnabled(principal.id)))
      throw new ApiException(
        ErrorCode.MfaEnrollmentRequired,
        'No second factor to step up with; enrol one at POST /auth/mfa/totp',
      );
    await this.codes.verify(request, principal, body.code, 'step_up');
    return this.auth.stepUp(principal, client);
  }

  /** Charged to its address by the global guard, and to the token's user once the token is verified. */
  @ApiOperation({ summary: 'A new access token from a refresh token' })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.RefreshTokenInvalid,
    ErrorCode.AccountDisabled,
    ErrorCode.ServiceUnavailable,
  )
  @Public()
  @Post('refresh')
  @HttpCode(200)
  refresh(
    @Body() body: RefreshDto,
    @Req() request: WithRateLimitLedger,
    @Client() client: ClientInfo,
  ): Promise<RefreshResponse> {
    return this.auth
      .refresh(body.refresh_token, client, (userId) =>
        this.limiter.enforceUser(userId, request.rateLimit),
      )
      .then(
        (response) => {
          this.metrics.refresh('success');
          return response;
        },
        (error: unknown) => {
          this.metrics.refresh(refreshOutcomeOf(error));
          throw error;
        },
      );
  }

  @ApiOperation({
    summary: 'Log out: blocklist the access token, end its session',
  })
  @ApiNoContentResponse({ description: 'Logged out.' })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  @Post('logout')
  @HttpCode(204)
  async logout(
    @CurrentUser() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<void> {
    await this.auth.logout(principal, client);
    this.metrics.logout();
  }

  /**
   * A single-use ticket for `/ws?ticket=<ticket>`, valid 30 s: the socket
   * opens as this access token (same session, expiry and revocation), from
   * this request's client address only, and the token itself never travels
   * in a URL.
   */
  @ApiOperation({ summary: 'A single-use ticket for the WebSocket endpoint' })
  @ApiOkResponse({ type: WsTicketResponseDto })
  // A read: the ticket changes nothing, and every message on the socket is
  // held to the key's scopes on its own.
  @RequireScope(Scope.Read)
  @Post('ws-ticket')
  @HttpCode(200)
  wsTicket(
    @CurrentUser() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<IssuedTicket> {
    return this.tickets.issue(principal, client.ip);
  }

  @ApiOperation({ summary: 'Who the caller is' })
  @ApiOkResponse({ type: MeResponseDto })
  @Get('me')
  me(@CurrentUser() principal: Principal): {
    id: number;
    username: string;
    permission_tier: Tier;
    amr?: readonly string[];
    auth_time?: number;
  } {
    return {
      id: principal.id,
      username: principal.username,
      permission_tier: principal.tier,
      // Absent for an API key, which is not an authentication of a person.
      ...(principal.amr !== undefined && { amr: principal.amr }),
      ...(principal.authTime !== undefined && {
        auth_time: principal.authTime,
      }),
    };
  }
}
