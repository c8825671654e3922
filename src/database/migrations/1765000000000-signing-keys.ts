import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { binaryText } from '../binary-collation';

/** The ES256/EdDSA signing keys of access tokens (see SigningKey). */
export class SigningKeys1765000000000 implements MigrationInterface {
  name = 'SigningKeys1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          {
            name: 'kid',
            type: 'varchar',
            length: '32',
            isPrimary: true,
            ...binary,
          },
          { name: 'slot', type: 'integer' },
          { name: 'alg', type: 'varchar', length: '8' },
          { name: 'public_jwk', type: 'text' },
          { name: 'private_key', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'published_at', type: 'bigint' },
          { name: 'activated_at', type: 'bigint' },
          { name: 'retired_at', type: 'bigint', isNullable: true },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          // One key per rotation, however many instances rotate at once.
          new TableIndex({
            name: 'signing_keys_slot_uq',
            columnNames: ['slot'],
            isUnique: true,
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('signing_keys');
  }
}
