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
  LOGIN_RATE_LIMIT,
  RateLimit,
  REFRESH_RATE_LIMIT,
} from '../rate-limit/rate-limit.decorator';
import { User } from '../users/entities/user.entity';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { RefreshDto } from './dto/refresh.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { Principal } from './principal';
import {
  AuthService,
  LoginResponse,
  RefreshResponse,
} from './services/auth.service';
import { IssuedTicket, WsTicketService } from './services/ws-ticket.service';
import { Tier } from './tier';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tickets: WsTicketService,
  ) {}

  @Public()
  @RateLimit(LOGIN_RATE_LIMIT)
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  login(@Req() request: { user: User }): Promise<LoginResponse> {
    return this.auth.login(request.user);
  }

  @Public()
  @RateLimit(REFRESH_RATE_LIMIT)
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() body: RefreshDto): Promise<RefreshResponse> {
    return this.auth.refresh(body.refresh_token);
  }

  @Post('logout')
  @HttpCode(204)
  logout(@CurrentUser() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }

  /**
   * A single-use ticket for `/ws?ticket=<ticket>`, valid 30 s: the socket
   * opens as this access token (same session, expiry and revocation), and
   * the token itself never travels in a URL.
   */
  @Post('ws-ticket')
  @HttpCode(200)
  wsTicket(@CurrentUser() principal: Principal): Promise<IssuedTicket> {
    return this.tickets.issue(principal);
  }

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
