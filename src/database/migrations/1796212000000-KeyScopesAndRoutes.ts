import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys carry scopes and route limits; providers name the claim their tokens' scopes are in. */
export class KeyScopesAndRoutes1796212000000 implements MigrationInterface {
  name = 'KeyScopesAndRoutes1796212000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD "scopes" text array NOT NULL DEFAULT \'{}\'',
    );
    await queryRunner.query('ALTER TABLE "api_keys" ADD "routes" jsonb NOT NULL DEFAULT \'[]\'');
    await queryRunner.query('ALTER TABLE "providers" ADD "scope_claim" character varying(200)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "providers" DROP COLUMN "scope_claim"');
    await queryRunner.query('ALTER TABLE "api_keys" DROP COLUMN "routes"');
    await queryRunner.query('ALTER TABLE "api_keys" DROP COLUMN "scopes"');
  }
}
