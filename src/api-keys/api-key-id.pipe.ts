import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiException } from '../common/api.exception';
import { ErrorCode } from '../common/error-codes';
import { isApiKeyId } from './api-key-format';

/** `:keyId` must look like a key id: anything else is a bad parameter (400), never a query. */
@Injectable()
export class ApiKeyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !isApiKeyId(value))
      throw new ApiException(
        ErrorCode.ValidationError,
        'API key id must be 22 characters of A-Z, a-z, 0-9, "-" or "_"',
      );
    return value;
  }
}
