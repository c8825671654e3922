import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { binaryText } from '../binary-collation';

/**
 * Ed25519 API keys (issue 25): `key_type` says which kind a key is (every
 * existing key is a `secret` one), `public_key` holds an ed25519 key's 32
 * raw bytes (base64url), and `secret_hash` becomes nullable, as an ed25519
 * key has no secret. On SQLite the last is a table rebuild (TypeORM copies
 * the rows, foreign key and index included).
 */
export class SignedApiKeys1764825000000 implements MigrationInterface {
  name = 'SignedApiKeys1764825000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const binary = binaryText(queryRunner.connection.options.type);
    await queryRunner.addColumn(
      'api_keys',
      new TableColumn({
        name: 'key_type',
        type: 'varchar',
        length: '16',
        default: "'secret'",
      }),
    );
    await queryRunner.addColumn(
      'api_keys',
      new TableColumn({
        name: 'public_key',
        type: 'varchar',
        length: '64',
        isNullable: true,
        ...binary,
      }),
    );
    await this.setSecretHashNullable(queryRunner, true);
  }

  /** Ed25519 keys have no secret_hash to keep: they go, as they would not work before this migration. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM api_keys WHERE key_type <> 'secret'`);
    await this.setSecretHashNullable(queryRunner, false);
    await queryRunner.dropColumn('api_keys', 'public_key');
    await queryRunner.dropColumn('api_keys', 'key_type');
  }

  private async setSecretHashNullable(
    queryRunner: QueryRunner,
    nullable: boolean,
  ): Promise<void> {
    const table = await queryRunner.getTable('api_keys');
    const current = table?.findColumnByName('secret_hash');
    if (!table || !current || current.isNullable === nullable) return;
    const changed = current.clone();
    changed.isNullable = nullable;
    await queryRunner.changeColumn(table, current, changed);
  }
}
