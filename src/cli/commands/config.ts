import { writeFileSync } from 'node:fs';
import { ApiProblemError } from '../../admin-client/admin-api.js';
import {
  ApplyStepError,
  applyPlan,
  describeChange,
  describePlan,
  missingSecrets,
  planForJson,
} from '../../config-file/config-apply.js';
import { computePlan } from '../../config-file/config-plan.js';
import { readServiceState } from '../../config-file/service-state.js';
import { connect, parse, positionals, UsageError, type Subcommand } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { describeError, printJson } from '../output.js';

export const exportCommand: Subcommand & { name: string } = {
  name: 'export',
  usage:
    'export [-o <file>]\n\n' +
    'Writes YAML (JSON with --json) to standard output or the file: settings, groups, the\n' +
    'ordered rules and the default rule, providers. Client secrets are named as environment\n' +
    'variables, never written; keys, users and memberships are not part of the file.',
  summary: 'Write the configuration as a YAML file',
  async run(args) {
    const { values, positionals: given } = parse(args, { output: { type: 'string', short: 'o' } });
    positionals(given, []);
    // Loaded when used, like the reader below (YAML and the schema validator): `--help` and the
    // other commands start without them.
    const { exportDocument, exportYaml } = await import('../../config-file/config-export.js');
    const state = await readServiceState(connect(values));
    const text = values.json
      ? `${JSON.stringify(exportDocument(state), null, 2)}\n`
      : exportYaml(state);
    if (values.output !== undefined) writeFileSync(values.output, text);
    else process.stdout.write(text);
    return EXIT.ok;
  },
};

export const applyCommand: Subcommand & { name: string } = {
  name: 'apply',
  usage:
    'apply -f <file> [--yes] [--check] [--update-secrets]\n\n' +
    'Prints the plan that makes the service match the file (add, change, move, remove, by name)\n' +
    'and the lint warnings of the rules it leaves, and carries it out only with --yes. Sections\n' +
    'absent from the file are left alone; rules are replaced in one step, and only if nobody\n' +
    'changed them since the plan was read. Old files with pathRules and accessRules are\n' +
    'translated into rules. --check exits 5 when there is anything to do. Client secrets are\n' +
    'read from the environment variables the file names, when a provider is added or has none;\n' +
    'with --update-secrets, every referenced secret is sent again.',
  summary: 'Make the service match a file: show the plan, apply it with --yes',
  async run(args) {
    const { values, positionals: given } = parse(args, {
      file: { type: 'string', short: 'f' },
      yes: { type: 'boolean', short: 'y' },
      check: { type: 'boolean' },
      'update-secrets': { type: 'boolean' },
    });
    positionals(given, []);
    if (values.file === undefined) throw new UsageError('-f <file> is required');
    if (values.yes && values.check)
      throw new UsageError('--check only shows the plan: not with --yes');
    const { readConfigFile } = await import('../../config-file/config-reader.js');
    const doc = readConfigFile(values.file);
    const api = connect(values);
    const plan = computePlan(doc, await readServiceState(api), {
      updateSecrets: values['update-secrets'],
    });
    if (!values.yes) {
      if (values.json) printJson({ ...planForJson(plan), applied: false });
      else {
        console.log(describePlan(plan));
        const missing = missingSecrets(plan, process.env);
        if (missing.length > 0) console.log(`Set before applying: ${missing.join(', ')}`);
        if (plan.changes.length > 0)
          console.log('Nothing was changed: run again with --yes to apply.');
      }
      return values.check && plan.changes.length > 0 ? EXIT.drift : EXIT.ok;
    }
    if (!values.json) console.log(describePlan(plan));
    try {
      await applyPlan(api, plan, process.env, (change) => {
        if (!values.json) console.log(`done: ${describeChange(change)[0]}`);
      });
    } catch (error) {
      if (!(error instanceof ApplyStepError)) throw error;
      const stale = error.cause instanceof ApiProblemError && error.cause.problem.status === 412;
      console.error(
        `${error.message}, after ${error.applied} of ${plan.changes.length} change(s):\n${describeError(error.cause)}` +
          (stale ? '\nNothing of the rules was changed: run apply again to see the new plan.' : ''),
      );
      return error.cause instanceof ApiProblemError && error.cause.problem.status < 500
        ? EXIT.refused
        : EXIT.failed;
    }
    if (values.json) printJson({ ...planForJson(plan), applied: true });
    else if (plan.changes.length > 0) console.log(`Applied ${plan.changes.length} change(s).`);
    return EXIT.ok;
  },
};
