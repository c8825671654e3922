'use strict';
/**
 * This application (from dist/) plus one route shaped like the floor's
 * `/shaped` (allow-all guard, custom parameter) but `@Public()`: the global
 * guards, hooks and access log run, authentication does not. Against the
 * floor's `/shaped` it measures the application's global per-request cost;
 * against `/auth/me`, what authenticating costs. Started like main.js (same
 * configuration from the environment), used by bench/instructions.js.
 *
 * Plain JS with the decorators applied by hand, as in floor-nest.js.
 */
const path = require('node:path');

const DIST = path.resolve(__dirname, '..', '..', 'dist', 'src');
require(path.join(DIST, 'runtime-flags'));
require('reflect-metadata');
const { Controller, Get, Module, Post, UseGuards, createParamDecorator } = require('@nestjs/common');
const { Public } = require(path.join(DIST, 'auth', 'decorators', 'public.decorator'));
const { createApp } = require(path.join(DIST, 'app.setup'));
const { loadConfig } = require(path.join(DIST, 'config', 'load-config'));

class AllowAll {
  canActivate() {
    return true;
  }
}
const Caller = createParamDecorator((_data, context) => context.switchToHttp().getRequest().headers.authorization);

class BenchController {
  shaped(_caller) {
    return { id: 1, username: 'bench-u0001', permission_tier: 2 };
  }
}
const shaped = () => Object.getOwnPropertyDescriptor(BenchController.prototype, 'shaped');
Controller('bench')(BenchController);
Get('shaped')(BenchController.prototype, 'shaped', shaped());
UseGuards(AllowAll)(BenchController.prototype, 'shaped', shaped());
Public()(BenchController.prototype, 'shaped', shaped());
Caller()(BenchController.prototype, 'shaped', 0);

// An authenticated write of the same shape (no @Public()): the write budgets
// (ip and user) are charged on it, so bench/instructions.js --write measures
// what the rate limits cost a write.
// Its own function: route metadata lives on the function.
BenchController.prototype.write = function write(_caller) {
  return { id: 1, username: 'bench-u0001', permission_tier: 2 };
};
const write = () => Object.getOwnPropertyDescriptor(BenchController.prototype, 'write');
Post('write')(BenchController.prototype, 'write', write());
UseGuards(AllowAll)(BenchController.prototype, 'write', write());
Caller()(BenchController.prototype, 'write', 0);

class BenchModule {}
Module({ controllers: [BenchController] })(BenchModule);

createApp(loadConfig(), [BenchModule])
  .then((app) => app.listen({ port: Number(process.env.PORT), host: process.env.HOST || '127.0.0.1' }))
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
