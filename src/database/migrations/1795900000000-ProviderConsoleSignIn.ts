import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProviderConsoleSignIn1795900000000 implements MigrationInterface {
  name = 'ProviderConsoleSignIn1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "providers" ADD "console_sign_in" boolean NOT NULL DEFAULT false',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "providers" DROP COLUMN "console_sign_in"');
  }
}
