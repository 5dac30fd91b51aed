import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MaxActiveKeysPerUser1795873161737 implements MigrationInterface {
  name = 'MaxActiveKeysPerUser1795873161737';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "settings" ADD "max_active_keys_per_user" integer');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "settings" DROP COLUMN "max_active_keys_per_user"');
  }
}
