import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator';
import { ServerTimeDto } from './dto/server-time.dto';

/**
 * The clock signed API key requests are judged by, as the venues offer one:
 * a client whose clock drifts signs with its offset to this, not against
 * its own clock. Public, and cheap enough to need no limit of its own.
 */
@ApiTags('api-keys')
@Controller('time')
export class ServerTimeController {
  @ApiOperation({ summary: "The server's clock, to sign requests against" })
  @ApiOkResponse({ type: ServerTimeDto })
  @Public()
  @Header('Cache-Control', 'no-store')
  @Get()
  now(): ServerTimeDto {
    return { server_time: Date.now() };
  }
}
