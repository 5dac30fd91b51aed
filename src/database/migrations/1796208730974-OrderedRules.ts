import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  translateLegacyRules,
  type AccessRuleSpec,
  type PathRuleSpec,
} from '../../policies/rules/legacy-rules.js';

/**
 * One ordered rule list replaces path rules and access rules (docs/authorization.md). The old
 * rules are rewritten as ordered rules that decide every request as before, the access rules
 * that named no host becoming the default rule's requirements; where that had to be stricter
 * (wildcard hosts that partly overlap), an audit event `rules.migrate` says so.
 */
export class OrderedRules1796208730974 implements MigrationInterface {
  name = 'OrderedRules1796208730974';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "rules" ("id" uuid NOT NULL, "name" character varying(100) NOT NULL, "position" integer NOT NULL, "effect" character varying(16) NOT NULL, "hosts" text array NOT NULL DEFAULT \'{}\', "paths" text array NOT NULL DEFAULT \'{}\', "methods" text array NOT NULL DEFAULT \'{}\', "requirements" jsonb NOT NULL DEFAULT \'[]\', "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "rules_name_unique" UNIQUE ("name"), CONSTRAINT "rules_effect_check" CHECK ("effect" IN (\'public\', \'bypass\', \'deny\', \'authenticated\')), CONSTRAINT "PK_10fef696a7d61140361b1b23608" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "settings" ADD "default_rule_effect" character varying(16) NOT NULL DEFAULT \'authenticated\'',
    );
    await queryRunner.query(
      'ALTER TABLE "settings" ADD "default_rule_requirements" jsonb NOT NULL DEFAULT \'[]\'',
    );
    await queryRunner.query(
      'ALTER TABLE "settings" ADD "rules_version" integer NOT NULL DEFAULT \'1\'',
    );
    await queryRunner.query(
      'ALTER TABLE "settings" ADD CONSTRAINT "settings_default_rule_effect_check" CHECK ("default_rule_effect" IN (\'authenticated\', \'deny\'))',
    );
    await this.moveOldRules(queryRunner);
    await queryRunner.query('DROP TABLE "path_rules"');
    await queryRunner.query('DROP TABLE "access_rules"');
  }

  private async moveOldRules(queryRunner: QueryRunner): Promise<void> {
    const pathRules: PathRuleSpec[] = await queryRunner.query(
      'SELECT id, access, pattern, methods, host FROM path_rules ORDER BY created_at, id',
    );
    const accessRules: AccessRuleSpec[] = await queryRunner.query(
      'SELECT id, host, allowed_ips AS "allowedIps", allowed_groups AS "allowedGroups", ' +
        'read_only_groups AS "readOnlyGroups", full_access_groups AS "fullAccessGroups" ' +
        'FROM access_rules ORDER BY created_at, id',
    );
    if (pathRules.length === 0 && accessRules.length === 0) return;
    const { list, warnings } = translateLegacyRules(pathRules, accessRules);
    for (const [position, rule] of list.rules.entries()) {
      await queryRunner.query(
        'INSERT INTO rules (id, name, position, effect, hosts, paths, methods, requirements, ' +
          'description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [
          randomUUID(),
          rule.name,
          position,
          rule.effect,
          rule.match.hosts,
          rule.match.paths,
          rule.match.methods,
          JSON.stringify(rule.require),
          rule.description ?? null,
        ],
      );
    }
    await queryRunner.query(
      'UPDATE settings SET default_rule_requirements = $1, version = version + 1',
      [JSON.stringify(list.defaultRule.require)],
    );
    await queryRunner.query('INSERT INTO audit_events (id, action, details) VALUES ($1, $2, $3)', [
      randomUUID(),
      'rules.migrate',
      JSON.stringify({
        pathRules: pathRules.length,
        accessRules: accessRules.length,
        rules: list.rules.length,
        warnings,
      }),
    ]);
  }

  /** Back to empty path and access rules: the ordered rules do not translate back. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "access_rules" ("id" uuid NOT NULL, "host" character varying(255), "allowed_ips" text array NOT NULL DEFAULT \'{}\', "allowed_groups" text array NOT NULL DEFAULT \'{}\', "read_only_groups" text array NOT NULL DEFAULT \'{}\', "full_access_groups" text array NOT NULL DEFAULT \'{}\', "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c5d8baea0602bafacd902bb4660" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "path_rules" ("id" uuid NOT NULL, "access" character varying(12) NOT NULL, "pattern" character varying(1000) NOT NULL, "methods" text array NOT NULL DEFAULT \'{}\', "host" character varying(255), "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "path_rules_access_check" CHECK ("access" IN (\'public\', \'restricted\', \'bypass\')), CONSTRAINT "PK_ce6f206f4e6180ccf1c6804dd56" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "settings" DROP CONSTRAINT "settings_default_rule_effect_check"',
    );
    await queryRunner.query('ALTER TABLE "settings" DROP COLUMN "rules_version"');
    await queryRunner.query('ALTER TABLE "settings" DROP COLUMN "default_rule_requirements"');
    await queryRunner.query('ALTER TABLE "settings" DROP COLUMN "default_rule_effect"');
    await queryRunner.query('DROP TABLE "rules"');
  }
}
