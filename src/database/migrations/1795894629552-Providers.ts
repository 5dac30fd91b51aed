import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Providers1795894629552 implements MigrationInterface {
  name = 'Providers1795894629552';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "providers" ("id" uuid NOT NULL, "name" character varying(64) NOT NULL, "preset" character varying(16) NOT NULL, "preset_parameters" jsonb NOT NULL DEFAULT \'{}\', "issuer" character varying(500), "authorization_endpoint" character varying(500), "token_endpoint" character varying(500), "userinfo_endpoint" character varying(500), "jwks_uri" character varying(500), "introspection_endpoint" character varying(500), "discovery" jsonb, "discovered_at" TIMESTAMP WITH TIME ZONE, "client_id" character varying(255) NOT NULL, "client_secret_sealed" text, "scope" character varying(500) NOT NULL, "validation" character varying(16) NOT NULL, "audience" character varying(500), "strict_jwt" boolean NOT NULL DEFAULT false, "username_attribute" character varying(200) NOT NULL, "match_by" character varying(10) NOT NULL, "groups_attribute" character varying(200), "groups_mode" character varying(10) NOT NULL DEFAULT \'add\', "provision_users" boolean NOT NULL DEFAULT false, "enabled" boolean NOT NULL DEFAULT true, "position" integer NOT NULL DEFAULT \'100\', "last_attributes" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_af13fc2ebf382fe0dad2e4793aa" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "providers_name_lower_key" ON "providers" (lower("name"))',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "providers_name_lower_key"');
    await queryRunner.query('DROP TABLE "providers"');
  }
}
