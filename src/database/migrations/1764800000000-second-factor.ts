import {
  MigrationInterface,
  QueryRunner,
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
} from 'typeorm';
import { binaryText } from '../binary-collation';

/** A foreign key to users as the entities declare it (ON UPDATE RESTRICT, as migration 1764700000000 made the others). */
function userForeignKey(name: string): TableForeignKey {
  return new TableForeignKey({
    name,
    columnNames: ['user_id'],
    referencedTableName: 'users',
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
    onUpdate: 'RESTRICT',
  });
}

/**
 * The second factor (issue 23): TOTP factors with their sealed seeds,
 * recovery codes as hashes, pending second login steps (mfa_token), and on
 * each session how the user authenticated (`amr`, `auth_time`), which a
 * refresh carries over. The foreign keys are created with their tables, so
 * SQLite builds each table once.
 */
export class SecondFactor1764800000000 implements MigrationInterface {
  name = 'SecondFactor1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'totp_factors',
        columns: [
          { name: 'user_id', type: 'integer', isPrimary: true },
          { name: 'sealed_secret', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'bigint' },
          { name: 'enabled_at', type: 'bigint', isNullable: true },
          { name: 'pending_expires_at', type: 'bigint', isNullable: true },
          { name: 'last_used_step', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [userForeignKey('totp_factors_user_fk')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'recovery_codes',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'user_id', type: 'integer' },
          { name: 'code_hash', type: 'varchar', length: '64', ...binary },
          { name: 'created_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          // A code is found by its user and hash; a new set deletes by user.
          new TableIndex({
            name: 'recovery_codes_user_hash_idx',
            columnNames: ['user_id', 'code_hash'],
          }),
        ],
        foreignKeys: [userForeignKey('recovery_codes_user_fk')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_challenges',
        columns: [
          {
            name: 'id',
            type: 'varchar',
            length: '32',
            isPrimary: true,
            ...binary,
          },
          { name: 'user_id', type: 'integer' },
          { name: 'secret_hash', type: 'varchar', length: '64', ...binary },
          { name: 'failures', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({
            name: 'mfa_challenges_user_id_idx',
            columnNames: ['user_id'],
          }),
          // The purge of expired rows.
          new TableIndex({
            name: 'mfa_challenges_expires_at_idx',
            columnNames: ['expires_at'],
          }),
        ],
        foreignKeys: [userForeignKey('mfa_challenges_user_fk')],
      }),
    );
    await queryRunner.addColumns('refresh_tokens', [
      new TableColumn({
        name: 'amr',
        type: 'varchar',
        length: '32',
        isNullable: true,
      }),
      new TableColumn({ name: 'auth_time', type: 'bigint', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('refresh_tokens', 'auth_time');
    await queryRunner.dropColumn('refresh_tokens', 'amr');
    await queryRunner.dropTable('mfa_challenges');
    await queryRunner.dropTable('recovery_codes');
    await queryRunner.dropTable('totp_factors');
  }
}
