import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { IS_PUBLIC_KEY, SESSION_ONLY_KEY } from '../auth/auth.constants';
import type { Principal } from '../auth/principal';
import { ApiException } from '../common/api.exception';
import type { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { ApiKeyGuard } from './api-key.guard';

const principal = { id: 7, apiKeyId: 'k' } as Principal;

function contextFor(
  headers: Record<string, string>,
  metadata: Record<string, boolean> = {},
) {
  const handler = () => undefined;
  for (const [key, value] of Object.entries(metadata))
    Reflect.defineMetadata(key, value, handler);
  const request: {
    headers: Record<string, string>;
    ip: string;
    principal?: Principal;
  } = {
    headers,
    ip: '127.0.0.1',
  };
  const context = new ExecutionContextHost([request, {}]);
  context.setType('http');
  context.getHandler = () => handler;
  class Controller {}
  context.getClass = (() => Controller) as typeof context.getClass;
  return { context, request };
}

describe(ApiKeyGuard.name, () => {
  const seen: string[] = [];
  const authenticator = {
    authenticate: (header: string) => {
      seen.push(header);
      if (header === 'async') return Promise.resolve(principal);
      if (header === 'bad') throw new Error('refused');
      return principal;
    },
  } as unknown as ApiKeyAuthenticator;
  const guard = new ApiKeyGuard(authenticator);

  beforeEach(() => (seen.length = 0));

  it('leaves requests without the header to the JWT guard', () => {
    const { context, request } = contextFor({ authorization: 'Bearer x' });
    expect(guard.canActivate(context)).toBe(true);
    expect(request.principal).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('sets the principal synchronously for a memoised key, and by a promise otherwise', async () => {
    const sync = contextFor({ 'x-api-key': 'memoised' });
    expect(guard.canActivate(sync.context)).toBe(true);
    expect(sync.request.principal).toBe(principal);
    const later = contextFor({ 'x-api-key': 'async' });
    await expect(guard.canActivate(later.context)).resolves.toBe(true);
    expect(later.request.principal).toBe(principal);
  });

  it('refuses a key on a session-only route before looking at it, even a public one', () => {
    const { context } = contextFor(
      { 'x-api-key': 'memoised' },
      { [SESSION_ONLY_KEY]: true, [IS_PUBLIC_KEY]: true },
    );
    expect(() => guard.canActivate(context)).toThrow(ApiException);
    expect(seen).toEqual([]);
  });

  it('ignores the key on other public routes', () => {
    const { context, request } = contextFor(
      { 'x-api-key': 'memoised' },
      { [IS_PUBLIC_KEY]: true },
    );
    expect(guard.canActivate(context)).toBe(true);
    expect(request.principal).toBeUndefined();
  });

  it('refuses a key sent together with a bearer token', () => {
    const { context } = contextFor({
      'x-api-key': 'memoised',
      authorization: 'Bearer x',
    });
    expect(() => guard.canActivate(context)).toThrow(ApiException);
  });
});
