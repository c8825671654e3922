import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { BlocklistedJti } from './entities/blocklisted-jti.entity';
import { RevocationEventRow } from './entities/revocation-event-row.entity';
import { HeldRevocations } from './held-revocations';
import { RevocationBus } from './revocation.bus';
import { RevocationService } from './revocation.service';
import { RevocationState } from './revocation-state';
import { RevocationStore } from './revocation.store';
import { RevocationSync } from './revocation.sync';

/**
 * Everything that makes an access token stop counting, on every instance:
 * the in-memory state, the database feed and blocklist, the Redis bus, the
 * batches held in Redis while the database is away, and the sync. Other
 * modules use RevocationService only. Below auth/ and sessions/, which both
 * call it, so it imports neither (see PresentedToken and the store's
 * SESSION_ENTITY). The CLI imports it too: RevocationSync stands still there.
 */
@Module({
  imports: [
    UsersModule,
    TypeOrmModule.forFeature([BlocklistedJti, RevocationEventRow]),
  ],
  providers: [
    RevocationState,
    RevocationStore,
    RevocationBus,
    HeldRevocations,
    RevocationSync,
    RevocationService,
  ],
  exports: [RevocationService],
})
export class RevocationModule {}
