import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { LoginDto } from '../dto/login.dto';
import { LoginRequest } from '../../credentials/services/login-attempt.service';
import {
  LoginFlow,
  LoginOutcome,
} from '../../credentials/services/login-flow.service';

/**
 * passport-local for POST /auth/login; the body was validated by LocalAuthGuard
 * before this runs. Its LoginOutcome reaches the handler through
 * @LoginResult(), not request.user.
 */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly logins: LoginFlow) {
    super({
      usernameField: 'username',
      passwordField: 'password',
      session: false,
      passReqToCallback: true,
    });
  }

  validate(
    request: LoginRequest & { body: LoginDto },
    username: string,
    password: string,
  ): Promise<LoginOutcome> {
    return this.logins.withPassword(
      request,
      username,
      password,
      request.body.device_token,
      request.body.otp,
    );
  }
}
