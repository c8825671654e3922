import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The audit trail (auth_events): append-only; rows leave only by the
 * retention purge. Read newest first by id, optionally for one user or one
 * type, so each filter has an index ending in id.
 */
export class AuthEvents1764501000000 implements MigrationInterface {
  name = 'AuthEvents1764501000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'auth_events',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'type', type: 'varchar', length: '48' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'actor_id', type: 'integer', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          {
            name: 'user_agent',
            type: 'varchar',
            length: '256',
            isNullable: true,
          },
          { name: 'at', type: 'bigint' },
          { name: 'detail', type: 'varchar', length: '1024', isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'auth_events_user_id_idx',
            columnNames: ['user_id', 'id'],
          }),
          new TableIndex({
            name: 'auth_events_type_idx',
            columnNames: ['type', 'id'],
          }),
          // The retention purge deletes by age.
          new TableIndex({ name: 'auth_events_at_idx', columnNames: ['at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_events');
  }
}
