import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { binaryText } from '../binary-collation';

/** Idempotency-Key records of @Idempotent() routes (see IdempotencyRecord). */
export class IdempotencyRecords1764926000000 implements MigrationInterface {
  name = 'IdempotencyRecords1764926000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_records',
        columns: [
          {
            name: 'scope_key',
            type: 'varchar',
            length: '64',
            isPrimary: true,
            ...binary,
          },
          { name: 'fingerprint', type: 'varchar', length: '64', ...binary },
          { name: 'claim_token', type: 'varchar', length: '32', ...binary },
          { name: 'status', type: 'smallint', isNullable: true },
          {
            name: 'content_type',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'location', type: 'text', isNullable: true },
          { name: 'body', type: 'blob', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [
          // The purge of expired records.
          new TableIndex({
            name: 'idempotency_records_expires_at_idx',
            columnNames: ['expires_at'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_records');
  }
}
