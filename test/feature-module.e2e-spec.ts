import { DRIVERS } from './support/databases';
import { useTestApp } from './support/test-app';
import { OrdersModule } from './fixtures/orders.module';
import { RequestUserModule } from './fixtures/request-user.module';

describe.each(DRIVERS)('a tier-protected feature module on $name', (driver) => {
  const api = useTestApp(driver, {}, [OrdersModule, RequestUserModule]);

  it('is behind the global access-token guard without asking for it', async () => {
    expect((await api.get('/orders')).body.code).toBe('unauthorized');
  });

  it("applies the controller's tier, a higher tier passing a lower requirement", async () => {
    const monitor = await api.createUser('orders-monitor', 1);
    const trader = await api.createUser('orders-trader', 2);
    const admin = await api.adminToken();
    const refused = await api.get('/orders', monitor.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'This action requires permission tier 2 (Trader); yours is 1',
      code: 'insufficient_tier',
    });
    expect((await api.get('/orders', trader.access_token)).body).toEqual({
      owner: 'orders-trader',
      orders: [],
    });
    expect((await api.get('/orders', admin)).status).toBe(200);
  });

  it("lets a handler's tier override its controller's", async () => {
    const trader = await api.createUser('bulk-trader', 2);
    const power = await api.createUser('bulk-power', 3);
    expect(
      (await api.post('/orders/bulk-cancel', {}, trader.access_token)).body
        .code,
    ).toBe('insufficient_tier');
    expect(
      (await api.post('/orders/bulk-cancel', {}, power.access_token)).status,
    ).toBe(201);
  });

  it('puts the principal on request.user, on the first request and from the memo after', async () => {
    const trader = await api.createUser('req-user-trader', 2);
    // The first request verifies the token through passport-jwt; the second
    // is answered from the verified-token memo.
    for (let request = 0; request < 2; request++) {
      const response = await api.get('/request-user', trader.access_token);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        user: expect.objectContaining({
          id: trader.id,
          username: 'req-user-trader',
          tier: 2,
        }),
        sameAsCurrentUser: true,
      });
    }
  });
});
