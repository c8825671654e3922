import { clientOf, NO_CLIENT } from './client-info';

describe('clientOf', () => {
  it('gives the request’s address, cut User-Agent and principal', () => {
    expect(
      clientOf({
        ip: '127.0.0.9',
        headers: { 'user-agent': 'x'.repeat(400) },
        principal: { id: 7 },
      }),
    ).toEqual({ ip: '127.0.0.9', userAgent: 'x'.repeat(256), actorId: 7 });
  });

  it('has nulls for what the request lacks', () => {
    expect(clientOf({ headers: { 'user-agent': '' } })).toEqual(NO_CLIENT);
    expect(
      clientOf({ ip: '::1', headers: { 'user-agent': ['a', 'b'] } }),
    ).toEqual({ ip: '::1', userAgent: null, actorId: null });
  });
});
