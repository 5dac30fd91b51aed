import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Optional request quotas (so many requests per period) on keys and groups. */
export class Quotas1795900000001 implements MigrationInterface {
  name = 'Quotas1795900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD "rate_limit_requests" integer, ADD "rate_limit_period_seconds" integer',
    );
    await queryRunner.query(
      'ALTER TABLE "groups" ADD "rate_limit_requests" integer, ADD "rate_limit_period_seconds" integer',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "groups" DROP COLUMN "rate_limit_period_seconds", DROP COLUMN "rate_limit_requests"',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" DROP COLUMN "rate_limit_period_seconds", DROP COLUMN "rate_limit_requests"',
    );
  }
}
