import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefusePasswordBasicByDefault1795872802640 implements MigrationInterface {
  name = 'RefusePasswordBasicByDefault1795872802640';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "settings" ALTER COLUMN "disable_password_basic_auth" SET DEFAULT true',
    );
    // Fail closed: a Basic password that is not a Portcullis key is refused unless an admin chooses
    // to hand such requests to the upstream. Installs that never changed the switch follow.
    await queryRunner.query(
      'UPDATE "settings" SET "disable_password_basic_auth" = true WHERE "version" = 1',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "settings" ALTER COLUMN "disable_password_basic_auth" SET DEFAULT false',
    );
  }
}
