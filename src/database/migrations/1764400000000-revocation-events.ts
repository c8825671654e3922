import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The revocation feed (revocation_events): instances read it by the ids the
 * database assigns instead of by wall-clock timestamps, and a restarting
 * instance loads from it every revocation whose tokens may still be alive.
 */
export class RevocationEvents1764400000000 implements MigrationInterface {
  name = 'RevocationEvents1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.options.type === 'mysql';
    await queryRunner.createTable(
      new Table({
        name: 'revocation_events',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'kind', type: 'varchar', length: '8' },
          {
            name: 'subject',
            type: 'varchar',
            length: '64',
            // Ids are compared byte for byte, never case- or accent-blind.
            ...(mysql ? { charset: 'ascii', collation: 'ascii_bin' } : {}),
          },
          { name: 'user_id', type: 'integer' },
          { name: 'token_version', type: 'integer', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({
            name: 'revocation_events_expires_at_idx',
            columnNames: ['expires_at'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('revocation_events');
  }
}
