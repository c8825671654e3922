import { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryText } from '../binary-collation';

/** Identifier columns of the initial schema, as they were created. */
const IDENTIFIERS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'users', column: 'username' },
  { table: 'refresh_tokens', column: 'id' },
  { table: 'refresh_tokens', column: 'token_hash' },
  { table: 'blocklisted_jtis', column: 'jti' },
];

/**
 * Binary comparison of usernames, session ids, JTIs and token hashes on
 * MySQL/MariaDB: the server's default utf8mb4_general_ci made `kévin` and
 * `KÉVIN` find user `kevin`. SQLite already compares bytes (and knows no
 * utf8mb4_bin), so there this migration does nothing.
 *
 * utf8mb4_bin still pads trailing spaces (MariaDB's utf8mb4_nopad_bin and
 * MySQL 8's utf8mb4_0900_bin do not, but neither name exists on the other
 * server); the application never queries an identifier with a trailing
 * space (usernames are trimmed and checked, token ids matched by format).
 */
export class BinaryIdentifierCollation1764200000000 implements MigrationInterface {
  name = 'BinaryIdentifierCollation1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.setCollation(queryRunner, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.setCollation(queryRunner, false);
  }

  private async setCollation(
    queryRunner: QueryRunner,
    binary: boolean,
  ): Promise<void> {
    const driver = queryRunner.connection.options.type;
    const collation = binaryText(driver);
    if (collation.collation === undefined) return;
    for (const { table, column } of IDENTIFIERS) {
      const loaded = await queryRunner.getTable(table);
      const current = loaded?.findColumnByName(column);
      if (!loaded || !current) continue;
      // A clone, so only the collation changes (a fresh TableColumn would
      // drop what it does not say, such as the unique index on username).
      const changed = current.clone();
      changed.charset = 'utf8mb4';
      // Back to the database's default on revert.
      changed.collation = binary ? collation.collation : undefined;
      await queryRunner.changeColumn(loaded, current, changed);
    }
  }
}
