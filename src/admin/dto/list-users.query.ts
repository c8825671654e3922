import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { QueryInt } from '../../common/query-int.decorator';

/** Far beyond any real user count; bounds the OFFSET the database is asked for. */
export const MAX_PAGE = 1_000_000;
export const MAX_PER_PAGE = 100;

export class ListUsersQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
  })
  @IsOptionalNotNull()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page = 1;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PER_PAGE,
    default: 50,
  })
  @IsOptionalNotNull()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PER_PAGE)
  per_page = 50;
}
