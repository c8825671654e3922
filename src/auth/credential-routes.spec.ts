import { RequestMethod } from '@nestjs/common';
import { credentialRouteNeedsSession } from './credential-routes';

describe(credentialRouteNeedsSession.name, () => {
  it.each([
    [RequestMethod.GET, 'auth/me', false],
    [RequestMethod.POST, 'auth/ws-ticket', false],
    [RequestMethod.POST, '/auth//ws-ticket/', false],
    [RequestMethod.GET, 'auth/ws-ticket', true],
    [RequestMethod.POST, 'auth/me', true],
    [RequestMethod.GET, 'auth/sessions', true],
    [RequestMethod.GET, 'auth/api-keys', true],
    [RequestMethod.POST, 'auth/mfa/totp', true],
    [RequestMethod.ALL, 'auth/me', true],
    [RequestMethod.GET, 'Admin/Users', false],
    [RequestMethod.HEAD, 'admin/audit', false],
    [RequestMethod.POST, 'admin/users', true],
    [RequestMethod.PATCH, 'admin/users/:id', true],
    [RequestMethod.PUT, 'admin/anything', true],
    [RequestMethod.DELETE, '/admin/users/:id/sessions', true],
    [RequestMethod.ALL, 'admin/users', true],
    [RequestMethod.POST, 'orders', false],
    [RequestMethod.POST, 'authority/x', false],
    [RequestMethod.DELETE, 'administration', false],
  ])('%s %s: %s', (method, path, expected) => {
    expect(credentialRouteNeedsSession(method, path)).toBe(expected);
  });
});
