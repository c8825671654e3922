import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { User } from '../../users/entities/user.entity';
import { CredentialsService } from '../services/credentials.service';

/** passport-local for POST /auth/login; the body was validated by LocalAuthGuard before this runs. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly credentials: CredentialsService) {
    super({
      usernameField: 'username',
      passwordField: 'password',
      session: false,
    });
  }

  validate(username: string, password: string): Promise<User> {
    return this.credentials.check(username, password);
  }
}
