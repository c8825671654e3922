'use strict';
/**
 * Framework floor: NestJS on FastifyAdapter with one public route and no
 * guard, pipe, filter or logging. What /auth/me costs above this is what
 * authentication (and the app's global plumbing) costs.
 *
 * Plain JS: the decorators are applied by hand, exactly as TypeScript's
 * emitted __decorate calls would, so no compile step is needed.
 */
require('reflect-metadata');
const { Controller, Get, Module, UseGuards, createParamDecorator, ValidationPipe } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class PingController {
  ping() {
    return { id: 1, username: 'bench-u0001', permission_tier: 2 };
  }
}
Controller()(PingController);
Get('ping')(PingController.prototype, 'ping', Object.getOwnPropertyDescriptor(PingController.prototype, 'ping'));

/**
 * The shape of an authenticated route without the authentication: a guard
 * that allows everything and a custom parameter decorator, with a global
 * ValidationPipe, as /auth/me has. /auth/me against /shaped is what the
 * auth work itself costs; /shaped against /ping is what NestJS charges any
 * route of that shape.
 */
class AllowAll {
  canActivate() {
    return true;
  }
}
const Caller = createParamDecorator((_data, context) => context.switchToHttp().getRequest().headers.authorization);
PingController.prototype.shaped = function shaped(_caller) {
  return { id: 1, username: 'bench-u0001', permission_tier: 2 };
};
Get('shaped')(PingController.prototype, 'shaped', Object.getOwnPropertyDescriptor(PingController.prototype, 'shaped'));
UseGuards(AllowAll)(PingController.prototype, 'shaped', Object.getOwnPropertyDescriptor(PingController.prototype, 'shaped'));
Caller()(PingController.prototype, 'shaped', 0);

class FloorModule {}
Module({ controllers: [PingController] })(FloorModule);

async function main() {
  const app = await NestFactory.create(FloorModule, new FastifyAdapter({ logger: false }), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}
main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
