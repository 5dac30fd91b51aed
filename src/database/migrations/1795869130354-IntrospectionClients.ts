import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntrospectionClients1795869130354 implements MigrationInterface {
  name = 'IntrospectionClients1795869130354';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "introspection_clients" ("id" uuid NOT NULL, "client_id" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "secret_hash" character(64) NOT NULL, "created_by_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4c39cb5fba5198f5aa69cfc75ec" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "introspection_clients_client_id_key" ON "introspection_clients"  ("client_id") ',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."introspection_clients_client_id_key"');
    await queryRunner.query('DROP TABLE "introspection_clients"');
  }
}
