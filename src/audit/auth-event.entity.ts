import { USER_AGENT_MAX } from '../common/client-info';
import {
  Column,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  ValueTransformer,
} from 'typeorm';

/**
 * BIGINT epoch ms, as a number (mysql2 returns BIGINT as a string). The same
 * as database/epoch-ms.transformer, repeated: database/ lists this entity, so
 * importing from it would make a folder cycle.
 */
const epochMs: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/** One audit event; append-only (rows leave only by the retention purge). */
@Entity('auth_events')
@Index('auth_events_user_id_idx', ['userId', 'id'])
@Index('auth_events_type_idx', ['type', 'id'])
@Index('auth_events_at_idx', ['at'])
export class AuthEvent {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 48 })
  type!: string;

  /** The user the event is about. */
  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  /** Who did it: the user themselves, an admin, or null (the CLI, the server). */
  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({
    name: 'user_agent',
    type: 'varchar',
    length: USER_AGENT_MAX,
    nullable: true,
  })
  userAgent!: string | null;

  @Column({ type: 'bigint', transformer: epochMs })
  at!: number;

  /** Small JSON object; never a secret. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  detail!: string | null;
}
