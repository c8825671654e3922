import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableForeignKey,
  TableIndex,
} from 'typeorm';
import { binaryText } from '../binary-collation';

/** Trusted device tokens (see DeviceToken): only the SHA-256 of the secret is stored. */
export class DeviceTokens1764201000000 implements MigrationInterface {
  name = 'DeviceTokens1764201000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'device_tokens',
        columns: [
          {
            name: 'id',
            type: 'varchar',
            length: '32',
            isPrimary: true,
            ...binary,
          },
          { name: 'user_id', type: 'integer' },
          { name: 'token_hash', type: 'varchar', length: '64', ...binary },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [
          // Password changes and revoke-all delete a user's device tokens.
          new TableIndex({
            name: 'device_tokens_user_id_idx',
            columnNames: ['user_id'],
          }),
          // The purge deletes expired rows.
          new TableIndex({
            name: 'device_tokens_expires_at_idx',
            columnNames: ['expires_at'],
          }),
        ],
      }),
    );
    await queryRunner.createForeignKey(
      'device_tokens',
      new TableForeignKey({
        name: 'device_tokens_user_fk',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('device_tokens');
  }
}
