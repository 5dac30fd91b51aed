import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A rule may belong to a named rule set, which a proxy chooses per route; null: the global list. */
export class RuleSets1796300000000 implements MigrationInterface {
  name = 'RuleSets1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rules" ADD "rule_set" character varying(100)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rules" DROP COLUMN "rule_set"');
  }
}
