import { Controller, Get } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/public.decorator';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';

const PROBE_TIMEOUT_MS = 2000;

@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** 200 when the database answers within two seconds, 503 otherwise. */
  @Public()
  @Get()
  async check(): Promise<{ status: 'ok' }> {
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
    return { status: 'ok' };
  }
}
