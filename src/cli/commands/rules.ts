import type { AdminApi } from '../../admin-client/admin-api.js';
import { withLegacySectionsTranslated } from '../../config-file/plan/legacy-sections.js';
import { ruleInput } from '../../config-file/plan/rules-plan.js';
import type { RuleListState, RuleState } from '../../config-file/service-state.js';
import type { LintWarning } from '../../policies/rules/rule-lint.js';
import type { ClaimCondition, Requirements } from '../../policies/rules/rule.js';
import { connect, parse, positionals, UsageError, type CommandGroup } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printRecord, printTable } from '../output.js';
import { listOption, requireChange, requireOption } from './lookup.js';

interface RuleChange {
  rule: RuleState;
  version: number;
  warnings: LintWarning[];
}

/** List flags take comma-separated values, or are repeated; an empty one means "any" (none). */
const LIST = { type: 'string', multiple: true } as const;

const MATCH_OPTIONS = { hosts: LIST, paths: LIST, methods: LIST } as const;

const REQUIRE_OPTIONS = {
  'any-groups': LIST,
  'all-groups': LIST,
  'read-only-groups': LIST,
  'full-access-groups': LIST,
  scopes: LIST,
  ip: LIST,
  claim: LIST,
} as const;

const PLACE_OPTIONS = { before: { type: 'string' }, after: { type: 'string' } } as const;

const RULE_FLAGS =
  '  --effect public|bypass|deny|authenticated\n' +
  '  --hosts a.example.com,*.example.org  --paths /admin/**,/ops  --methods GET,HEAD\n' +
  '      (comma-separated; empty: any)\n' +
  '  --any-groups ops,dev  --all-groups a,b  --read-only-groups r  --full-access-groups f\n' +
  '  --scopes orders:write  --ip 10.0.0.0/8,192.0.2.1\n' +
  '  --claim name=value (equals) or name~word (contains); repeat for more\n' +
  '      (the requirement flags together make one block, all of which must hold)\n' +
  '  List flags also take repeats: --hosts a --hosts b.\n' +
  '  --description <text>  --before <rule> | --after <rule>\n' +
  '  --rule-set <name>: the named rule set the rule belongs to (none: the global list)';

function claimOf(text: string): ClaimCondition {
  const match = /^([^=~\s]+)([=~])(.+)$/.exec(text);
  if (match === null) {
    throw new UsageError(`--claim "${text}": write name=value (equals) or name~word (contains)`);
  }
  const [, claim, test, value] = match;
  return test === '=' ? { claim: claim!, equals: value! } : { claim: claim!, contains: value! };
}

type RequireValues = { [K in keyof typeof REQUIRE_OPTIONS]?: string[] };

/** The requirement flags as one block; undefined when none was given. */
function requirementsFrom(values: RequireValues): Requirements | undefined {
  const block: Requirements = {
    ipRanges: listOption(values.ip),
    anyGroups: listOption(values['any-groups']),
    allGroups: listOption(values['all-groups']),
    readOnlyGroups: listOption(values['read-only-groups']),
    fullAccessGroups: listOption(values['full-access-groups']),
    scopes: listOption(values.scopes),
    // A claim's value may hold a comma: claims are only ever repeated, not comma-separated.
    claims: values.claim?.map(claimOf),
  };
  const given = Object.entries(block).filter(([, value]) => value !== undefined);
  return given.length === 0 ? undefined : (Object.fromEntries(given) as Requirements);
}

function matchFrom(values: { hosts?: string[]; paths?: string[]; methods?: string[] }) {
  const match = {
    hosts: listOption(values.hosts),
    paths: listOption(values.paths),
    methods: listOption(values.methods),
  };
  return Object.values(match).some((v) => v !== undefined) ? match : undefined;
}

function placement(values: { before?: string; after?: string }) {
  if (values.before !== undefined && values.after !== undefined) {
    throw new UsageError('Give --before or --after, not both');
  }
  return { before: values.before, after: values.after };
}

const BLOCK_FIELDS = [
  'ipRanges',
  'anyGroups',
  'allGroups',
  'readOnlyGroups',
  'fullAccessGroups',
  'scopes',
] as const;

/** A claim condition as the --claim flag writes it (oneOf, which no flag takes, as a list). */
function describeClaim(condition: ClaimCondition): string {
  if ('equals' in condition) return `claim:${condition.claim}=${String(condition.equals)}`;
  if ('contains' in condition) return `claim:${condition.claim}~${condition.contains}`;
  return `claim:${condition.claim} in ${JSON.stringify(condition.oneOf)}`;
}

/** A requirement block in a line, fields always in one order: `anyGroups=ops,dev scopes=a`. */
function describeBlock(block: Requirements): string {
  return [
    ...BLOCK_FIELDS.filter((field) => block[field]?.length).map(
      (field) => `${field}=${block[field]!.join(',')}`,
    ),
    ...(block.claims ?? []).map(describeClaim),
  ].join(' ');
}

/** Every block must hold: shown joined by AND. */
function describeRequire(blocks: readonly Requirements[]): string {
  return blocks.map(describeBlock).join(' AND ');
}

function printWarnings(warnings: LintWarning[]): void {
  for (const warning of warnings) console.log(`warning: ${warning.message}`);
}

function printChange(change: RuleChange, json: boolean | undefined): void {
  if (json) {
    printJson(change);
    return;
  }
  const { rule } = change;
  printRecord({
    rule: rule.name,
    position: rule.position,
    effect: rule.effect,
    hosts: rule.match.hosts,
    paths: rule.match.paths,
    methods: rule.match.methods,
    require: describeRequire(rule.require),
    description: rule.description,
    ruleSet: rule.ruleSet ?? null,
  });
  printWarnings(change.warnings);
}

/** The --rule-set flag: a set's name, null for `none` (the global list), undefined when absent. */
function ruleSetOption(value: string | undefined): string | null | undefined {
  return value === 'none' ? null : value;
}

/** Moves a rule when --before or --after was given; the answer of the last call otherwise. */
async function placeIfAsked(
  api: AdminApi,
  name: string,
  where: { before?: string; after?: string },
  change: RuleChange,
): Promise<RuleChange> {
  if (where.before === undefined && where.after === undefined) return change;
  return api.request<RuleChange>('POST', `/v1/admin/rules/${encodeURIComponent(name)}/move`, where);
}

export const rulesCommand: CommandGroup = {
  name: 'rules',
  summary: 'The ordered authorization rules: list, add, edit, move, delete, lint',
  subcommands: {
    list: {
      usage:
        'rules list [--rule-set <name>]\n\n--rule-set shows only the rules of that named rule set (none: of the global list).',
      summary:
        'List the rules in order (the first that matches a request decides it), the default rule and the lint warnings',
      async run(args) {
        const { values, positionals: given } = parse(args, { 'rule-set': { type: 'string' } });
        positionals(given, []);
        const rules = await connect(values).request<RuleListState & { warnings: LintWarning[] }>(
          'GET',
          '/v1/admin/rules',
        );
        const wanted = ruleSetOption(values['rule-set']);
        if (wanted !== undefined) {
          rules.rules = rules.rules.filter((rule) => (rule.ruleSet ?? null) === wanted);
        }
        if (values.json) {
          printJson(rules);
          return EXIT.ok;
        }
        const sets = rules.rules.some((rule) => (rule.ruleSet ?? null) !== null);
        printTable(rules.rules, [
          { header: '#', value: (r) => r.position },
          ...(sets ? [{ header: 'set', value: (r: RuleState) => r.ruleSet ?? '' }] : []),
          { header: 'name', value: (r) => r.name },
          { header: 'effect', value: (r) => r.effect },
          { header: 'hosts', value: (r) => r.match.hosts },
          { header: 'paths', value: (r) => r.match.paths },
          { header: 'methods', value: (r) => r.match.methods },
          { header: 'require', value: (r) => describeRequire(r.require) },
        ]);
        const fallback = rules.defaultRule;
        const needs = fallback.require.length > 0 ? `, ${describeRequire(fallback.require)}` : '';
        console.log(`default: ${fallback.effect}${needs} (what no rule matched)`);
        printWarnings(rules.warnings);
        return EXIT.ok;
      },
    },
    add: {
      usage: `rules add <name> --effect <effect> [match, requirement and placement flags]\n\n${RULE_FLAGS}\n\nWithout --before or --after the rule goes at the end of the list.`,
      summary: 'Add a rule (at the end, or before or after another)',
      async run(args) {
        const { values, positionals: given } = parse(args, {
          effect: { type: 'string' },
          description: { type: 'string' },
          'rule-set': { type: 'string' },
          ...MATCH_OPTIONS,
          ...REQUIRE_OPTIONS,
          ...PLACE_OPTIONS,
        });
        const [name] = positionals(given, ['name']);
        const effect = requireOption(values.effect, '--effect');
        const block = requirementsFrom(values);
        const change = await connect(values).request<RuleChange>('POST', '/v1/admin/rules', {
          name,
          effect,
          match: matchFrom(values),
          require: block === undefined ? [] : [block],
          description: values.description,
          ruleSet: ruleSetOption(values['rule-set']),
          ...placement(values),
        });
        printChange(change, values.json);
        return EXIT.ok;
      },
    },
    edit: {
      usage: `rules edit <name> [--rename <new-name>] [--no-require] [flags to change]\n\n${RULE_FLAGS}\n\nFlags left out leave their field as it is. Requirement flags replace all of the rule's\nrequirement blocks with the one they describe; --no-require removes them.`,
      summary: 'Change a rule: only the fields given',
      async run(args) {
        const { values, positionals: given } = parse(args, {
          rename: { type: 'string' },
          effect: { type: 'string' },
          description: { type: 'string' },
          'rule-set': { type: 'string' },
          'no-require': { type: 'boolean' },
          ...MATCH_OPTIONS,
          ...REQUIRE_OPTIONS,
          ...PLACE_OPTIONS,
        });
        const [name] = positionals(given, ['name']);
        const block = requirementsFrom(values);
        if (block !== undefined && values['no-require']) {
          throw new UsageError('--no-require cannot be given with requirement flags');
        }
        const where = placement(values);
        const edit = {
          name: values.rename,
          effect: values.effect,
          match: matchFrom(values),
          require: values['no-require'] ? [] : block && [block],
          description: values.description,
          ruleSet: ruleSetOption(values['rule-set']),
        };
        const moves = where.before !== undefined || where.after !== undefined;
        if (!moves) requireChange(edit, 'a flag to change (see --help)');
        const api = connect(values);
        const path = `/v1/admin/rules/${encodeURIComponent(name)}`;
        const changed = Object.values(edit).some((value) => value !== undefined)
          ? await api.request<RuleChange>('PATCH', path, edit)
          : undefined;
        const current = changed ?? {
          rule: await api.request<RuleState>('GET', path),
          version: 0,
          warnings: [],
        };
        printChange(await placeIfAsked(api, current.rule.name, where, current), values.json);
        return EXIT.ok;
      },
    },
    move: {
      usage: 'rules move <name> --before <rule> | --after <rule>',
      summary: 'Move a rule before or after another',
      async run(args) {
        const { values, positionals: given } = parse(args, PLACE_OPTIONS);
        const [name] = positionals(given, ['name']);
        const where = placement(values);
        if (where.before === undefined && where.after === undefined) {
          throw new UsageError('--before <rule> or --after <rule> is required');
        }
        const api = connect(values);
        const change = await api.request<RuleChange>(
          'POST',
          `/v1/admin/rules/${encodeURIComponent(name)}/move`,
          where,
        );
        if (values.json) printJson(change);
        else {
          console.log(`Moved rule ${change.rule.name} to position ${change.rule.position}.`);
          printWarnings(change.warnings);
        }
        return EXIT.ok;
      },
    },
    delete: {
      usage: 'rules delete <name>',
      summary: 'Delete a rule',
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [name] = positionals(given, ['name']);
        await connect(values).request('DELETE', `/v1/admin/rules/${encodeURIComponent(name)}`);
        if (values.json) printJson({ deleted: name });
        else console.log(`Deleted rule ${name}.`);
        return EXIT.ok;
      },
    },
    lint: {
      usage:
        'rules lint <file>\n\nChecks a configuration file (YAML or JSON, as apply reads it) and prints the lint\nwarnings of its rules section, from the service, without applying anything. Old files\nwith pathRules and accessRules are linted as the rules they translate into.',
      summary: "Lint a configuration file's rules without applying them",
      async run(args) {
        const { values, positionals: given } = parse(args, {});
        const [file] = positionals(given, ['file']);
        // Loaded when used (YAML and the schema validator): other commands start without them.
        const { readConfigFile } = await import('../../config-file/config-reader.js');
        const { doc } = withLegacySectionsTranslated(readConfigFile(file));
        if (doc.rules === undefined) throw new UsageError(`${file} has no rules section`);
        const { warnings } = await connect(values).request<{ warnings: LintWarning[] }>(
          'POST',
          '/v1/admin/rules/lint',
          { rules: doc.rules.map(ruleInput) },
        );
        if (values.json) printJson({ warnings });
        else if (warnings.length === 0) console.log(`No warnings (${doc.rules.length} rules).`);
        else printWarnings(warnings);
        return EXIT.ok;
      },
    },
  },
};
