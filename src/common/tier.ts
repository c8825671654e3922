/** Permission tiers of the spec; a higher tier includes every lower one. */
export enum Tier {
  Monitor = 1,
  Trader = 2,
  Power = 3,
  Admin = 4,
}

export const ALL_TIERS: readonly Tier[] = [
  Tier.Monitor,
  Tier.Trader,
  Tier.Power,
  Tier.Admin,
];

/** The whole tier rule: a principal of tier `actual` may use what needs `required`. */
export function tierSatisfies(actual: Tier, required: Tier): boolean {
  return actual >= required;
}
