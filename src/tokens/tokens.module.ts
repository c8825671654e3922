import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevocationModule } from '../revocation/revocation.module';
import { SigningKey } from './entities/signing-key.entity';
import { SigningKeys } from './signing-keys.service';

/**
 * The keys ES256/EdDSA access tokens are signed with, their rotation across
 * instances, and the JWKS. auth/ signs and verifies with them and serves the
 * discovery routes; the CLI rotates, lists, revokes and reseals them.
 */
@Module({
  imports: [RevocationModule, TypeOrmModule.forFeature([SigningKey])],
  providers: [SigningKeys],
  exports: [SigningKeys],
})
export class TokensModule {}
