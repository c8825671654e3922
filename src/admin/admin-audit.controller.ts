import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog, AuditPage } from '../audit/audit-log.service';
import { RequireTier } from '../auth/decorators/require-tier.decorator';
import { Tier } from '../auth/tier';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { AuditPageDto } from './dto/admin-responses.dto';
import { AuditQueryDto } from './dto/audit.query';

/** The audit trail, newest first, a page at a time (`before` = the previous page's `next_before`). */
@ApiTags('admin')
@RequireTier(Tier.Admin)
@Controller('admin/audit')
export class AdminAuditController {
  constructor(private readonly log: AuditLog) {}

  @ApiOperation({ summary: 'The audit trail, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.ServiceUnavailable)
  @Get()
  list(@Query() query: AuditQueryDto): Promise<AuditPage> {
    return this.log.list({
      userId: query.user_id,
      type: query.type,
      before: query.before,
      limit: query.limit,
    });
  }
}
