import { Global, Module } from '@nestjs/common';
import { DataEncryption } from './data-encryption';

/** Secrets at rest under DATA_ENCRYPTION_KEY, for every module that stores one. */
@Global()
@Module({
  providers: [DataEncryption],
  exports: [DataEncryption],
})
export class EncryptionModule {}
