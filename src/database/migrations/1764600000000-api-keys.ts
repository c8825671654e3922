import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableForeignKey,
  TableIndex,
} from 'typeorm';
import { binaryText } from '../binary-collation';

/** API keys (see ApiKey): only the SHA-256 of each key's secret is stored. */
export class ApiKeys1764600000000 implements MigrationInterface {
  name = 'ApiKeys1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          {
            name: 'id',
            type: 'varchar',
            length: '32',
            isPrimary: true,
            ...binary,
          },
          { name: 'user_id', type: 'integer' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'secret_hash', type: 'varchar', length: '64', ...binary },
          { name: 'permission_tier', type: 'smallint' },
          { name: 'ip_allowlist', type: 'text' },
          { name: 'session_epoch', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint', isNullable: true },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
          {
            name: 'last_used_ip',
            type: 'varchar',
            length: '45',
            isNullable: true,
          },
        ],
        indices: [
          // The owner's list, and revoking every key of a user.
          new TableIndex({
            name: 'api_keys_user_id_idx',
            columnNames: ['user_id'],
          }),
        ],
      }),
    );
    await queryRunner.createForeignKey(
      'api_keys',
      new TableForeignKey({
        name: 'api_keys_user_fk',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_keys');
  }
}
