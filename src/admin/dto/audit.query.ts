import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { MAX_ID } from '../../common/parse-id.pipe';
import { QueryInt } from '../../common/query-int.decorator';
import {
  AUDIT_EVENT_TYPES,
  AuditEventType,
} from '../../audit/audit-event-type';

export const MAX_AUDIT_LIMIT = 200;

export class AuditQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_ID,
    description: 'Only events about this user.',
  })
  @IsOptionalNotNull()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  user_id?: number;

  @ApiPropertyOptional({
    enum: AUDIT_EVENT_TYPES,
    description: 'Only events of this type.',
  })
  @IsOptionalNotNull()
  @IsIn(AUDIT_EVENT_TYPES)
  type?: AuditEventType;

  /** The previous page's `next_before`: only older events. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_ID,
    description: "The previous page's `next_before`: only older events.",
  })
  @IsOptionalNotNull()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_AUDIT_LIMIT,
    default: 50,
  })
  @IsOptionalNotNull()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_LIMIT)
  limit = 50;
}
