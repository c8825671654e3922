import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { RedisService } from '../redis/redis.service';
import { HealthDto } from './dto/health.dto';
import { LivenessDto, ReadinessDto } from './dto/probe.dto';
import { Readiness } from './readiness.service';

const PROBE_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly redis: RedisService,
    private readonly readiness: Readiness,
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
    if (!(await this.readiness.databaseAnswers(PROBE_TIMEOUT_MS)))
      throw new ApiException(
        ErrorCode.ServiceUnavailable,
        'Database is unavailable',
        { 'Retry-After': '5' },
      );
    if (this.redis.configured && !(await this.redis.ping()))
      return { status: 'degraded', redis: 'unavailable' };
    return { status: 'ok' };
  }

  /**
   * Liveness: the process answers, nothing more. No I/O, so a database
   * outage never makes an orchestrator restart a healthy process.
   */
  @ApiOperation({ summary: 'Whether the process answers (liveness probe)' })
  @ApiOkResponse({ type: LivenessDto })
  @Public()
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 once the database answers, its migrations have run and
   * the revocation state is loaded; 503 before that, when the database is
   * gone, and while the instance shuts down. Redis does not count: without
   * it the instance still serves correctly.
   */
  @ApiOperation({
    summary: 'Whether this instance should get traffic (readiness probe)',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  @Public()
  @Get('ready')
  async ready(): Promise<{ status: 'ready' }> {
    const problem = await this.readiness.notReadyBecause();
    if (problem !== undefined)
      throw new ApiException(ErrorCode.ServiceUnavailable, problem, {
        'Retry-After': '5',
      });
    return { status: 'ready' };
  }
}

type HealthBody =
  { status: 'ok' } | { status: 'degraded'; redis: 'unavailable' };
