import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessRules1795893488571 implements MigrationInterface {
  name = 'AccessRules1795893488571';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "access_rules" ("id" uuid NOT NULL, "host" character varying(255), "allowed_ips" text array NOT NULL DEFAULT \'{}\', "allowed_groups" text array NOT NULL DEFAULT \'{}\', "read_only_groups" text array NOT NULL DEFAULT \'{}\', "full_access_groups" text array NOT NULL DEFAULT \'{}\', "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c5d8baea0602bafacd902bb4660" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "path_rules" ("id" uuid NOT NULL, "access" character varying(12) NOT NULL, "pattern" character varying(1000) NOT NULL, "methods" text array NOT NULL DEFAULT \'{}\', "host" character varying(255), "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "path_rules_access_check" CHECK ("access" IN (\'public\', \'restricted\', \'bypass\')), CONSTRAINT "PK_ce6f206f4e6180ccf1c6804dd56" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD "allowed_ips" text array NOT NULL DEFAULT \'{}\'',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "api_keys" DROP COLUMN "allowed_ips"');
    await queryRunner.query('DROP TABLE "path_rules"');
    await queryRunner.query('DROP TABLE "access_rules"');
  }
}
