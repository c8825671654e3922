import { REQUIRED_MFA_KEY } from '../auth.constants';
import { RequireMfa } from './require-mfa.decorator';

describe(RequireMfa.name, () => {
  it('stores the requirement for MfaGuard', () => {
    class Withdrawals {}
    RequireMfa({ maxAge: 300 })(Withdrawals);
    expect(Reflect.getMetadata(REQUIRED_MFA_KEY, Withdrawals)).toEqual({
      maxAge: 300,
    });
    class Anything {}
    RequireMfa()(Anything);
    expect(Reflect.getMetadata(REQUIRED_MFA_KEY, Anything)).toEqual({});
  });

  it.each([0, -1, 1.5, Number.NaN])(
    'refuses maxAge %p when the module loads, not on a request',
    (maxAge) => {
      expect(() => RequireMfa({ maxAge })).toThrow(/maxAge/);
    },
  );
});
