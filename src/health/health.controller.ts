import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/public.decorator';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { RedisService } from '../redis/redis.service';
import { HealthDto } from './dto/health.dto';

const PROBE_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
  ) {}

  /**
   * 200 when the database answers within two seconds, 503 otherwise. A Redis
   * that is configured but unreachable degrades the service without failing
   * it (limits per instance, revocations through the database), so it is
   * reported, with 200.
   */
  @ApiOperation({ summary: 'Whether this instance can serve' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  @Public()
  @Get()
  async check(): Promise<HealthBody> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('database probe timed out')),
            PROBE_TIMEOUT_MS,
          );
        }),
      ]);
    } catch {
      throw new ApiException(
        ErrorCode.ServiceUnavailable,
        'Database is unavailable',
        { 'Retry-After': '5' },
      );
    } finally {
      clearTimeout(timer);
    }
    if (this.redis.configured && !(await this.redis.ping()))
      return { status: 'degraded', redis: 'unavailable' };
    return { status: 'ok' };
  }
}

type HealthBody =
  { status: 'ok' } | { status: 'degraded'; redis: 'unavailable' };
