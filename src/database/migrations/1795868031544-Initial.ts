import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795868031544 implements MigrationInterface {
  name = 'Initial1795868031544';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL, "username" character varying(64) NOT NULL, "email" character varying(254), "display_name" character varying(200), "disabled" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "api_keys" ("id" uuid NOT NULL, "key_id" character varying(16) NOT NULL, "hash" character(64) NOT NULL, "type" character varying(10) NOT NULL, "owner_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "description" character varying(500), "created_by_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "api_keys_type_check" CHECK ("type" IN (\'bearer\', \'basic\')), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys"  ("key_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"  ("hash") ');
    await queryRunner.query('CREATE INDEX "api_keys_owner_id_idx" ON "api_keys"  ("owner_id") ');
    await queryRunner.query(
      'CREATE TABLE "groups" ("id" uuid NOT NULL, "name" character varying(64) NOT NULL, "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_659d1483316afb28afd3a90646e" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "memberships" ("user_id" uuid NOT NULL, "group_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3923edf77fc86ff52c078826b25" PRIMARY KEY ("user_id", "group_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "memberships_group_id_idx" ON "memberships"  ("group_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "settings" ("id" smallint NOT NULL, "version" integer NOT NULL DEFAULT \'1\', "enabled" boolean NOT NULL DEFAULT true, "disable_password_basic_auth" boolean NOT NULL DEFAULT false, "allow_self_service_keys" boolean NOT NULL DEFAULT false, "max_key_lifetime" character varying(32), "trusted_proxies" text array NOT NULL DEFAULT \'{}\', "identity_header_style" character varying(20) NOT NULL DEFAULT \'x-auth\', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "settings_singleton_check" CHECK ("id" = 1), CONSTRAINT "PK_0669fe20e252eb692bf4d344975" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD CONSTRAINT "FK_d93cc0e04cac89126b2155ba9bc" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD CONSTRAINT "FK_3afd227c6cb003779abe2a88b4e" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "memberships" ADD CONSTRAINT "FK_7c1e2fdfed4f6838e0c05ae5051" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "memberships" ADD CONSTRAINT "FK_253a15e6c430fc2e5bb84c4afda" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    // Case-insensitive uniqueness, which TypeORM cannot declare: kept out of its diff (synchronize: false).
    await queryRunner.query(
      'CREATE UNIQUE INDEX "users_username_lower_key" ON "users" (lower("username"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "users_email_lower_key" ON "users" (lower("email"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "groups_name_lower_key" ON "groups" (lower("name"))',
    );
    // The one settings record, with the defaults declared on its columns.
    await queryRunner.query('INSERT INTO "settings" ("id") VALUES (1)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "groups_name_lower_key"');
    await queryRunner.query('DROP INDEX "users_email_lower_key"');
    await queryRunner.query('DROP INDEX "users_username_lower_key"');
    await queryRunner.query(
      'ALTER TABLE "memberships" DROP CONSTRAINT "FK_253a15e6c430fc2e5bb84c4afda"',
    );
    await queryRunner.query(
      'ALTER TABLE "memberships" DROP CONSTRAINT "FK_7c1e2fdfed4f6838e0c05ae5051"',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" DROP CONSTRAINT "FK_3afd227c6cb003779abe2a88b4e"',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" DROP CONSTRAINT "FK_d93cc0e04cac89126b2155ba9bc"',
    );
    await queryRunner.query('DROP TABLE "settings"');
    await queryRunner.query('DROP INDEX "public"."memberships_group_id_idx"');
    await queryRunner.query('DROP TABLE "memberships"');
    await queryRunner.query('DROP TABLE "groups"');
    await queryRunner.query('DROP INDEX "public"."api_keys_owner_id_idx"');
    await queryRunner.query('DROP INDEX "public"."api_keys_hash_key"');
    await queryRunner.query('DROP INDEX "public"."api_keys_key_id_key"');
    await queryRunner.query('DROP TABLE "api_keys"');
    await queryRunner.query('DROP TABLE "users"');
  }
}
