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
import { LoginOutcome } from '../credentials/services/login-attempt.service';
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
  ) {}

  /**
   * The spec's four fields, plus `device_token` (a trusted device token:
   * sent back with later logins, it exempts them from the per-account
   * failure budget). Its budgets are checked in LoginAttemptService.
   */
  @ApiOperation({ summary: 'Log in with username and password' })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiErrors(
    ErrorCode.ValidationError,
    ErrorCode.InvalidCredentials,
    ErrorCode.AccountDisabled,
    ErrorCode.ServiceUnavailable,
  )
  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  async login(
    @LoginResult() { user, deviceToken }: LoginOutcome,
    @Client() client: ClientInfo,
  ): Promise<LoginResponse & { device_token: string }> {
    return {
      ...(await this.auth.login(user, client)),
      device_token: deviceToken,
    };
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
    return this.auth.refresh(body.refresh_token, client, (userId) =>
      this.limiter.enforceUser(userId, request.rateLimit),
    );
  }

  @ApiOperation({
    summary: 'Log out: blocklist the access token, end its session',
  })
  @ApiNoContentResponse({ description: 'Logged out.' })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  @Post('logout')
  @HttpCode(204)
  logout(
    @CurrentUser() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.logout(principal, client);
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
  } {
    return {
      id: principal.id,
      username: principal.username,
      permission_tier: principal.tier,
    };
  }
}
