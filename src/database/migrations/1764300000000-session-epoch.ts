import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * users.session_epoch counts the times all of a user's sessions were ended
 * (password change, disable, revoke-all); refresh_tokens.session_epoch is the
 * user's epoch when the session was created. A login that read the user
 * before such a change but inserted its session after it gets a session whose
 * epoch is behind, and refresh refuses it.
 */
export class SessionEpoch1764300000000 implements MigrationInterface {
  name = 'SessionEpoch1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'users',
      new TableColumn({
        name: 'session_epoch',
        type: 'integer',
        default: 0,
      }),
    );
    await queryRunner.addColumn(
      'refresh_tokens',
      new TableColumn({
        name: 'session_epoch',
        type: 'integer',
        default: 0,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('refresh_tokens', 'session_epoch');
    await queryRunner.dropColumn('users', 'session_epoch');
  }
}
