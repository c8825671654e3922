import { ALL_TIERS, Tier, tierSatisfies } from './tier';

describe(tierSatisfies.name, () => {
  it('lets every tier use what its own tier requires', () => {
    for (const tier of ALL_TIERS) expect(tierSatisfies(tier, tier)).toBe(true);
  });

  it('lets a higher tier use what a lower tier requires', () => {
    expect(tierSatisfies(Tier.Admin, Tier.Monitor)).toBe(true);
    expect(tierSatisfies(Tier.Power, Tier.Trader)).toBe(true);
  });

  it('refuses a lower tier', () => {
    expect(tierSatisfies(Tier.Monitor, Tier.Trader)).toBe(false);
    expect(tierSatisfies(Tier.Power, Tier.Admin)).toBe(false);
  });
});
