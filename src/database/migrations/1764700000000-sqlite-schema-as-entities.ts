import { MigrationInterface, QueryRunner } from 'typeorm';

/** The foreign keys to users, as migrations 1764115200000, 1764201000000 and 1764600000000 made them. */
const USER_FOREIGN_KEYS: ReadonlyArray<{ table: string; name: string }> = [
  { table: 'refresh_tokens', name: 'refresh_tokens_user_fk' },
  { table: 'device_tokens', name: 'device_tokens_user_fk' },
  { table: 'api_keys', name: 'api_keys_user_fk' },
];

/**
 * Two places where SQLite's schema said something other than the entities,
 * so every `migration:generate` on SQLite (the development default) wrote
 * table rebuilds nobody asked for. MySQL/MariaDB already match: nothing to do.
 *
 * - The foreign keys to users said nothing about ON UPDATE, so each server
 *   took its own default: RESTRICT on MariaDB, NO ACTION on SQLite (which,
 *   unlike InnoDB, checks NO ACTION at the end of the statement rather than
 *   at once). The entities say RESTRICT, and now SQLite's keys do too. User
 *   ids never change, so no statement behaves differently.
 * - users.disabled was written `DEFAULT (false)`; SQLite keeps a default as
 *   the text it was given, and TypeORM spells an entity's `false` as 0.
 *   FALSE is SQLite's name for 0, so only the spelling changes.
 *
 * SQLite changes either by rebuilding the table (TypeORM copies the rows;
 * migrations run with foreign keys off, so dropping the old users table
 * cascades nowhere). A rebuilt table's AUTOINCREMENT counter restarts from
 * the highest id left in it, so the users counter is carried over: a
 * deleted user's id must never be handed out again.
 */
export class SqliteSchemaAsEntities1764700000000 implements MigrationInterface {
  name = 'SqliteSchemaAsEntities1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    await this.setUserForeignKeysOnUpdate(queryRunner, 'RESTRICT');
    await this.spellDisabledDefaultAsZero(queryRunner);
  }

  /**
   * The foreign keys only. The default's spelling stays: respelling it back
   * would rebuild users with foreign keys on (TypeORM reverts inside a
   * transaction, where SQLite cannot turn them off), and dropping the old
   * table would then delete every session, device token and API key.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    await this.setUserForeignKeysOnUpdate(queryRunner, 'NO ACTION');
  }

  private async setUserForeignKeysOnUpdate(
    queryRunner: QueryRunner,
    onUpdate: 'RESTRICT' | 'NO ACTION',
  ): Promise<void> {
    for (const { table, name } of USER_FOREIGN_KEYS) {
      const loaded = await queryRunner.getTable(table);
      const current = loaded?.foreignKeys.find((key) => key.name === name);
      if (!loaded || !current || current.onUpdate === onUpdate) continue;
      const changed = current.clone();
      changed.onUpdate = onUpdate;
      await queryRunner.dropForeignKey(loaded, current);
      await queryRunner.createForeignKey(loaded, changed);
    }
  }

  private async spellDisabledDefaultAsZero(
    queryRunner: QueryRunner,
  ): Promise<void> {
    const users = await queryRunner.getTable('users');
    const current = users?.findColumnByName('disabled');
    if (!users || !current || current.default !== 'false') return;
    const counter = await this.usersCounter(queryRunner);
    const changed = current.clone();
    changed.default = 0;
    await queryRunner.changeColumn(users, current, changed);
    const rebuilt = await this.usersCounter(queryRunner);
    if (counter > rebuilt) {
      await queryRunner.query(
        `DELETE FROM sqlite_sequence WHERE name = 'users'`,
      );
      await queryRunner.query(
        `INSERT INTO sqlite_sequence (name, seq) VALUES ('users', ?)`,
        [counter],
      );
    }
  }

  private async usersCounter(queryRunner: QueryRunner): Promise<number> {
    const rows: { seq: number }[] = await queryRunner.query(
      `SELECT seq FROM sqlite_sequence WHERE name = 'users'`,
    );
    return rows[0]?.seq ?? 0;
  }
}
