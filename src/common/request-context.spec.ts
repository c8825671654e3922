import { currentClient, requestContextHook } from './request-context';

describe('request context', () => {
  it('is empty outside a request', () => {
    expect(currentClient()).toEqual({
      ip: null,
      userAgent: null,
      actorId: null,
    });
  });

  it('gives the request’s address, cut User-Agent and principal, across awaits', async () => {
    const request = {
      ip: '127.0.0.9',
      headers: { 'user-agent': 'x'.repeat(400) },
      principal: null as { id: number } | null,
    };
    const seen = await new Promise<ReturnType<typeof currentClient>>(
      (resolve) =>
        requestContextHook(request, undefined, () => {
          void (async () => {
            await Promise.resolve();
            request.principal = { id: 7 }; // set later by the guard
            resolve(currentClient());
          })();
        }),
    );
    expect(seen).toEqual({
      ip: '127.0.0.9',
      userAgent: 'x'.repeat(256),
      actorId: 7,
    });
  });
});
