import { Tier } from '../auth/tier';
import { removesActiveAdmin } from './last-admin';

describe(removesActiveAdmin.name, () => {
  const admin = { permissionTier: Tier.Admin, disabled: false };

  it('is a demotion or a disable of an enabled admin', () => {
    expect(removesActiveAdmin(admin, { permissionTier: Tier.Power })).toBe(
      true,
    );
    expect(removesActiveAdmin(admin, { disabled: true })).toBe(true);
  });

  it('is nothing else', () => {
    expect(removesActiveAdmin(admin, { permissionTier: Tier.Admin })).toBe(
      false,
    );
    expect(removesActiveAdmin(admin, { disabled: false })).toBe(false);
    expect(removesActiveAdmin(admin, {})).toBe(false);
    expect(
      removesActiveAdmin({ ...admin, disabled: true }, { permissionTier: 1 }),
    ).toBe(false);
    expect(
      removesActiveAdmin(
        { permissionTier: Tier.Power, disabled: false },
        {
          disabled: true,
        },
      ),
    ).toBe(false);
  });
});
