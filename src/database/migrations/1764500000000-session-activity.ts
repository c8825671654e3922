import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { binaryText } from '../binary-collation';

/**
 * What a user sees of a session (last use, client address, User-Agent), and
 * what refresh-token rotation needs: the hash of the secret the last rotation
 * retired, when, and how many rotations there were.
 */
export class SessionActivity1764500000000 implements MigrationInterface {
  name = 'SessionActivity1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.options.type;
    await queryRunner.addColumns('refresh_tokens', [
      new TableColumn({
        name: 'last_used_at',
        type: 'bigint',
        isNullable: true,
      }),
      new TableColumn({
        name: 'ip',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
      new TableColumn({
        name: 'user_agent',
        type: 'varchar',
        length: '256',
        isNullable: true,
      }),
      new TableColumn({
        name: 'previous_hash',
        type: 'varchar',
        length: '64',
        isNullable: true,
        ...binaryText(driver),
      }),
      new TableColumn({ name: 'rotated_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'generation', type: 'integer', default: 0 }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of [
      'generation',
      'rotated_at',
      'previous_hash',
      'user_agent',
      'ip',
      'last_used_at',
    ])
      await queryRunner.dropColumn('refresh_tokens', column);
  }
}
