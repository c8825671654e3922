import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  AUDIT_EVENT_TYPES,
  AuditEventType,
} from '../../audit/audit-event-type';
import type { AuditEventView, AuditPage } from '../../audit/audit-log.service';
import { Tier } from '../../auth/tier';
import { TIER_PROPERTY } from '../../common/openapi/tier.schema';
import type { Page } from '../../users/users.service';
import type { UserView } from '../user-view';

// Response bodies of /admin/..., for the OpenAPI document only: the handlers
// return the interfaces these classes implement.

@ApiSchema({ name: 'CreatedUser' })
export class CreatedUserDto implements Pick<
  UserView,
  'id' | 'username' | 'permission_tier'
> {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ description: 'As stored: lower-cased.' })
  username!: string;

  @ApiProperty(TIER_PROPERTY)
  permission_tier!: Tier;
}

@ApiSchema({ name: 'User' })
export class UserViewDto implements UserView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty()
  username!: string;

  @ApiProperty(TIER_PROPERTY)
  permission_tier!: Tier;

  @ApiProperty()
  disabled!: boolean;

  @ApiProperty({ type: 'integer', description: 'Unix epoch seconds.' })
  created_at!: number;
}

@ApiSchema({ name: 'UserPage' })
export class UserPageDto implements Page<UserView> {
  @ApiProperty({ type: [UserViewDto] })
  items!: UserViewDto[];

  @ApiProperty({ type: 'integer', description: 'Users in all pages.' })
  total!: number;

  @ApiProperty({ type: 'integer' })
  page!: number;

  @ApiProperty({ type: 'integer' })
  per_page!: number;
}

@ApiSchema({ name: 'AuditEvent' })
export class AuditEventDto implements AuditEventView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES })
  type!: AuditEventType;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Whom the event is about; null for an unknown user.',
  })
  user_id!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Who did it; null for the CLI, a failed login or the server itself.',
  })
  actor_id!: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  ip!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  user_agent!: string | null;

  @ApiProperty({ type: 'integer', description: 'Unix epoch seconds.' })
  at!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Depends on the type; never a secret.',
  })
  detail!: Record<string, unknown> | null;
}

@ApiSchema({ name: 'AuditPage' })
export class AuditPageDto implements AuditPage {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first.' })
  items!: AuditEventDto[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Pass as `before` for the next (older) page; null on the last page.',
  })
  next_before!: number | null;
}
