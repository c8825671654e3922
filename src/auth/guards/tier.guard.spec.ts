import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { RequireTier } from '../decorators/require-tier.decorator';
import type { Principal } from '../principal';
import { Tier } from '../tier';
import { TierGuard } from './tier.guard';

@RequireTier(Tier.Trader)
class OrdersController {
  list() {}

  @RequireTier(Tier.Power)
  bulkCancel() {}
}

class OpenController {
  anything() {}
}

const principal = (tier: Tier): Principal => ({
  id: 1,
  username: 'alice',
  tier,
  sessionId: 's',
  jti: 'j',
  expiresAt: 0,
  tokenVersion: 0,
});

/** A context as Nest builds it: the handler's class and method, and where the principal is. */
function contextFor(
  controller: { prototype: object },
  handler: string,
  holder: { principal?: Principal },
  type: 'http' | 'ws' = 'http',
): ExecutionContextHost {
  const method = (controller.prototype as Record<string, () => void>)[handler];
  const context = new ExecutionContextHost(
    [holder, {}],
    controller as never,
    method,
  );
  context.setType(type);
  return context;
}

function outcome(context: ExecutionContextHost): true | string {
  try {
    return new TierGuard().canActivate(context) as true;
  } catch (error) {
    return error instanceof ApiException ? error.code : String(error);
  }
}

describe(TierGuard.name, () => {
  it('lets a route without @RequireTier through, principal or not', () => {
    expect(outcome(contextFor(OpenController, 'anything', {}))).toBe(true);
  });

  it.each([
    [Tier.Monitor, ErrorCode.InsufficientTier],
    [Tier.Trader, true],
    [Tier.Power, true],
    [Tier.Admin, true],
  ])("on the controller's tier (Trader), tier %s gets %s", (tier, expected) => {
    const holder = { principal: principal(tier) };
    expect(outcome(contextFor(OrdersController, 'list', holder))).toBe(
      expected,
    );
  });

  it("applies the handler's tier over its controller's", () => {
    const trader = { principal: principal(Tier.Trader) };
    const power = { principal: principal(Tier.Power) };
    expect(outcome(contextFor(OrdersController, 'bulkCancel', trader))).toBe(
      ErrorCode.InsufficientTier,
    );
    expect(outcome(contextFor(OrdersController, 'bulkCancel', power))).toBe(
      true,
    );
  });

  it('answers 403 insufficient_tier naming both tiers', () => {
    const holder = { principal: principal(Tier.Monitor) };
    let thrown: unknown;
    try {
      new TierGuard().canActivate(contextFor(OrdersController, 'list', holder));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiException);
    expect((thrown as ApiException).getStatus()).toBe(403);
    expect((thrown as ApiException).message).toBe(
      'This action requires permission tier 2 (Trader); yours is 1',
    );
  });

  it('refuses a tiered route that has no principal as unauthorized, not as allowed', () => {
    expect(outcome(contextFor(OrdersController, 'list', {}))).toBe(
      ErrorCode.Unauthorized,
    );
  });

  it('reads the principal from the socket on a WebSocket message', () => {
    const monitor = { principal: principal(Tier.Monitor) };
    const trader = { principal: principal(Tier.Trader) };
    expect(outcome(contextFor(OrdersController, 'list', monitor, 'ws'))).toBe(
      ErrorCode.InsufficientTier,
    );
    expect(outcome(contextFor(OrdersController, 'list', trader, 'ws'))).toBe(
      true,
    );
  });
});
