import type { ApiPropertyOptions } from '@nestjs/swagger';
import { ALL_TIERS } from '../tier';

/** A permission tier in a body, for @ApiProperty: the spec's integers 1..4. */
export const TIER_PROPERTY: ApiPropertyOptions = {
  type: 'integer',
  enum: [...ALL_TIERS],
  description: 'Permission tier: 1=Monitor, 2=Trader, 3=Power, 4=Admin.',
};
