import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * revocation_events.subject compares byte for byte (ascii_bin) on the MySQL
 * family. Migration 1764400000000 sets that only when TypeORM's dialect is
 * 'mysql', the one the application always used; a MariaDB server now gets
 * TypeORM's 'mariadb' dialect (see mysqlDialect), which that migration does
 * not recognise, so a database created since would have the server's
 * case- and accent-blind default there. Databases created before already
 * have ascii_bin, and this leaves them alone.
 */
export class RevocationSubjectCollation1764701000000 implements MigrationInterface {
  name = 'RevocationSubjectCollation1764701000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    if (type !== 'mysql' && type !== 'mariadb') return;
    const table = await queryRunner.getTable('revocation_events');
    const current = table?.findColumnByName('subject');
    if (!table || !current || current.collation === 'ascii_bin') return;
    const changed = current.clone();
    changed.charset = 'ascii';
    changed.collation = 'ascii_bin';
    await queryRunner.changeColumn(table, current, changed);
  }

  /**
   * Nothing: every database made before this migration already had
   * ascii_bin here, so there is no earlier collation to go back to.
   */
  async down(): Promise<void> {}
}
