// @types/passport-jwt is not installed; this declares the part of
// passport-jwt 4 the application uses, in the shape of those types (so
// installing them later changes nothing here).
declare module 'passport-jwt' {
  import type { Algorithm, VerifyOptions } from 'jsonwebtoken';
  import { Strategy as PassportStrategy } from 'passport-strategy';

  export type JwtFromRequestFunction<T = any> = (
    request: T,
  ) => string | null | undefined;

  export interface StrategyOptions {
    jwtFromRequest: JwtFromRequestFunction;
    /** The types say string or Buffer; jsonwebtoken 9 also takes a KeyObject. */
    secretOrKey: string | Buffer;
    algorithms?: Algorithm[];
    issuer?: string;
    audience?: string;
    jsonWebTokenOptions?: VerifyOptions;
    /** validate() then receives the request first. */
    passReqToCallback?: boolean;
  }

  export type VerifiedCallback = (
    error: unknown,
    user?: unknown,
    info?: unknown,
  ) => void;

  export class Strategy extends PassportStrategy {
    constructor(options: StrategyOptions, verify: (...args: any[]) => void);
    name: string;
  }
}
