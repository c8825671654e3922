import { RequireScope } from './decorators/require-scope.decorator';
import { Public } from './decorators/public.decorator';
import { RequireMfa } from './decorators/require-mfa.decorator';
import { RequireTier } from './decorators/require-tier.decorator';
import { SessionOnly } from './decorators/session-only.decorator';
import { routeAccess } from './route-access';
import { Tier } from './tier';

const decorate = (
  decorator: MethodDecorator,
  target: { prototype: object },
  name: string,
) =>
  decorator(
    target.prototype,
    name,
    Object.getOwnPropertyDescriptor(target.prototype, name)!,
  );

describe(routeAccess.name, () => {
  class Orders {
    list(): void {}
    status(): void {}
    cancel(): void {}
  }
  RequireTier(Tier.Trader)(Orders);
  decorate(Public(), Orders, 'status');
  decorate(RequireTier(Tier.Admin), Orders, 'cancel');
  decorate(SessionOnly(), Orders, 'cancel');
  RequireScope('read')(Orders);
  decorate(RequireScope('trade'), Orders, 'cancel');
  decorate(RequireMfa({ maxAge: 60 }), Orders, 'cancel');

  it("reads the controller's metadata, and the handler's own where it has some", () => {
    const { prototype } = Orders;
    expect(routeAccess(prototype.list, Orders)).toEqual({
      isPublic: false,
      sessionOnly: false,
      requiredTier: Tier.Trader,
      requiredScope: 'read',
      requiredMfa: undefined,
      usableBeforeEnrolment: false,
    });
    expect(routeAccess(prototype.status, Orders)).toMatchObject({
      isPublic: true,
    });
    expect(routeAccess(prototype.cancel, Orders)).toEqual({
      isPublic: false,
      sessionOnly: true,
      requiredTier: Tier.Admin,
      requiredScope: 'trade',
      requiredMfa: { maxAge: 60 },
      usableBeforeEnrolment: false,
    });
  });

  it('answers per controller when controllers share a handler', () => {
    class Base {
      read(): void {}
    }
    class Open extends Base {}
    Public()(Open);
    class Guarded extends Base {}
    RequireTier(Tier.Admin)(Guarded);
    const handler = Base.prototype.read;
    expect(routeAccess(handler, Guarded)).toMatchObject({
      isPublic: false,
      requiredTier: Tier.Admin,
    });
    expect(routeAccess(handler, Open)).toMatchObject({
      isPublic: true,
      requiredTier: undefined,
    });
    // Asked again, from the memo: the same answers.
    expect(routeAccess(handler, Guarded).requiredTier).toBe(Tier.Admin);
    expect(routeAccess(handler, Open).isPublic).toBe(true);
  });
});
