import { ApiKey } from './api-keys/entities/api-key.entity';
import { BlocklistedJti } from './revocation/entities/blocklisted-jti.entity';
import { DeviceToken } from './credentials/entities/device-token.entity';
import { MfaChallenge } from './credentials/entities/mfa-challenge.entity';
import { RecoveryCode } from './credentials/entities/recovery-code.entity';
import { TotpFactor } from './credentials/entities/totp-factor.entity';
import { Session } from './sessions/entities/session.entity';
import { AuthEvent } from './audit/auth-event.entity';
import { RevocationEventRow } from './revocation/entities/revocation-event-row.entity';
import { User } from './users/entities/user.entity';
import { IdempotencyRecord } from './idempotency/entities/idempotency-record.entity';
import { SigningKey } from './tokens/entities/signing-key.entity';

/**
 * Every entity of the application, for the TypeORM CLI (ormconfig.ts) and the
 * schema checks. The application itself finds them through each feature
 * module's TypeOrmModule.forFeature (autoLoadEntities), so the database folder
 * never imports the features that import it.
 */
export const ENTITIES = [
  User,
  Session,
  BlocklistedJti,
  DeviceToken,
  RevocationEventRow,
  ApiKey,
  AuthEvent,
  IdempotencyRecord,
  TotpFactor,
  RecoveryCode,
  MfaChallenge,
  SigningKey,
];
