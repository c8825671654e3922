import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * api_keys.scopes: the JSON array of what a key was granted (issue 25).
 * Every existing key becomes `["read"]`, the default of a new key: keys are
 * deny-by-default on writes now, and a key that traded must be made again
 * with `trade` (and an allowlist, or an expiry within
 * API_KEY_UNPINNED_MAX_DAYS), as the creation rules would have it. A
 * varchar, not text: MySQL before 8.0.13 takes no DEFAULT on TEXT, and the
 * longest value, all four scopes, is 41 characters.
 */
export class ApiKeyScopes1764826000000 implements MigrationInterface {
  name = 'ApiKeyScopes1764826000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'api_keys',
      new TableColumn({
        name: 'scopes',
        type: 'varchar',
        length: '64',
        default: `'["read"]'`,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('api_keys', 'scopes');
  }
}
