import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableForeignKey,
  TableIndex,
} from 'typeorm';

/**
 * The first schema, written with TypeORM's Table API so the same migration
 * creates the same tables on SQLite and MySQL/MariaDB. Instants are BIGINT
 * epoch milliseconds (see epoch-ms.transformer.ts).
 */
export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'permission_tier', type: 'smallint' },
          { name: 'disabled', type: 'boolean', default: false },
          { name: 'token_version', type: 'integer', default: 0 },
          { name: 'tokens_revoked_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          // Login looks users up by name; also enforces uniqueness.
          new TableIndex({
            name: 'users_username_uq',
            columnNames: ['username'],
            isUnique: true,
          }),
          // Other instances poll for users whose tokens were revoked since their last look.
          new TableIndex({
            name: 'users_tokens_revoked_at_idx',
            columnNames: ['tokens_revoked_at'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'user_id', type: 'integer' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          // Revoke-all and session listing select a user's sessions.
          new TableIndex({
            name: 'refresh_tokens_user_id_idx',
            columnNames: ['user_id'],
          }),
          // The purge deletes sessions past their expiry.
          new TableIndex({
            name: 'refresh_tokens_expires_at_idx',
            columnNames: ['expires_at'],
          }),
          // Other instances poll for sessions revoked since their last look.
          new TableIndex({
            name: 'refresh_tokens_revoked_at_idx',
            columnNames: ['revoked_at'],
          }),
        ],
      }),
    );
    await queryRunner.createForeignKey(
      'refresh_tokens',
      new TableForeignKey({
        name: 'refresh_tokens_user_fk',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'blocklisted_jtis',
        columns: [
          { name: 'jti', type: 'varchar', length: '32', isPrimary: true },
          { name: 'user_id', type: 'integer' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          // Start-up loads the live rows; the purge deletes the dead ones.
          new TableIndex({
            name: 'blocklisted_jtis_expires_at_idx',
            columnNames: ['expires_at'],
          }),
          // Other instances poll for rows added since their last look.
          new TableIndex({
            name: 'blocklisted_jtis_created_at_idx',
            columnNames: ['created_at'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('blocklisted_jtis');
    await queryRunner.dropTable('refresh_tokens');
    await queryRunner.dropTable('users');
  }
}
