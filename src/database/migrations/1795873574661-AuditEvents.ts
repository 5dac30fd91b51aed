import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1795873574661 implements MigrationInterface {
  name = 'AuditEvents1795873574661';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_events" ("id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_user_id" uuid, "actor_username" character varying(64), "actor_key_id" character varying(16), "action" character varying(64) NOT NULL, "target_id" character varying(64), "ip" character varying(45), "details" jsonb NOT NULL DEFAULT \'{}\', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "audit_events_actor_idx" ON "audit_events"  ("actor_user_id") ',
    );
    await queryRunner.query('CREATE INDEX "audit_events_at_idx" ON "audit_events"  ("at") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."audit_events_at_idx"');
    await queryRunner.query('DROP INDEX "public"."audit_events_actor_idx"');
    await queryRunner.query('DROP TABLE "audit_events"');
  }
}
