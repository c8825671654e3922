import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  AUDIT_EVENT_TYPES,
  AuditEventType,
} from '../../audit/audit-event-type';

export const MAX_AUDIT_LIMIT = 200;
/** Ids are INTEGER on both drivers (MySQL's INT is signed 32-bit). */
const MAX_ID = 2_147_483_647;

export class AuditQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  user_id?: number;

  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES)
  type?: AuditEventType;

  /** The previous page's `next_before`: only older events. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_LIMIT)
  limit = 50;
}
