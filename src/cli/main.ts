#!/usr/bin/env node
import { ApiProblemError, UnreachableError } from '../admin-client/admin-api.js';
import { generateKey } from '../keys/key-format.js';
import { CONNECTION_HELP, UsageError, type CommandGroup, type Subcommand } from './cli-context.js';
import { applyCommand, exportCommand } from './commands/config.js';
import { decideCommand } from './commands/decide.js';
import { groupsCommand } from './commands/groups.js';
import { keysCommand } from './commands/keys.js';
import { NotFound } from './commands/lookup.js';
import { providersCommand } from './commands/providers.js';
import { rulesCommand } from './commands/rules.js';
import { settingsCommand } from './commands/settings.js';
import { usersCommand } from './commands/users.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { describeError } from './output.js';

const GROUPS: CommandGroup[] = [
  keysCommand,
  usersCommand,
  groupsCommand,
  rulesCommand,
  providersCommand,
  settingsCommand,
];
const SINGLES = [decideCommand, exportCommand, applyCommand];

const USAGE = `Usage: portcullis <command> [options]   (or: npm run cli -- <command> [options])

Through the admin API of a running Portcullis (--url/--key or PORTCULLIS_URL/PORTCULLIS_KEY):
${[...GROUPS, ...SINGLES].map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

On the database directly (DATABASE_URL, or the embedded one under DATA_DIR):
  bootstrap-admin --username <name> [--email <address>] [--create] [--json]
             Create the first admin and print their key, once. Refused when an admin exists;
             a new embedded database is made only with --create.
  generate-key
             Print a new, well-formed key, for PORTCULLIS_BOOTSTRAP_ADMIN_KEY.
  migrate    Apply pending database migrations (the service also does this at start).

Run "portcullis <command> --help" for a command's options.

${CONNECTION_HELP}

${EXIT_CODES_HELP}`;

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

function subcommandHelp(sub: Subcommand): string {
  return `Usage: portcullis ${sub.usage}\n\n${sub.summary}.\n\n${CONNECTION_HELP}\n\n${EXIT_CODES_HELP}`;
}

function groupHelp(group: CommandGroup): string {
  const lines = Object.values(group.subcommands).map(
    (sub) => `  portcullis ${sub.usage.split('\n')[0]}\n      ${sub.summary}`,
  );
  return `${group.summary}.\n\nUsage:\n${lines.join('\n')}\n\nRun "portcullis ${group.name} <subcommand> --help" for details.\n\n${CONNECTION_HELP}`;
}

/** What a usage error points to: the usage line of the command that was being run. */
let shownUsage = 'Run "portcullis --help" for the commands.';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const group = GROUPS.find((g) => g.name === command);
  if (group) {
    const [name, ...args] = rest;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      console.log(groupHelp(group));
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const sub = group.subcommands[name];
    if (!sub) {
      shownUsage = `Run "portcullis ${group.name} --help" for its subcommands.`;
      throw new UsageError(`Unknown subcommand "${command} ${name}"`);
    }
    shownUsage = `Usage: portcullis ${sub.usage}\n(portcullis ${group.name} ${name} --help for more)`;
    if (wantsHelp(args)) {
      console.log(subcommandHelp(sub));
      return EXIT.ok;
    }
    return sub.run(args);
  }
  const single = SINGLES.find((c) => c.name === command);
  if (single) {
    shownUsage = `Usage: portcullis ${single.usage}\n(portcullis ${single.name} --help for more)`;
    if (wantsHelp(rest)) {
      console.log(subcommandHelp(single));
      return EXIT.ok;
    }
    return single.run(rest);
  }
  const databaseHelp: Record<string, string> = {
    'generate-key':
      'Usage: portcullis generate-key\n\nPrints a new, well-formed key, for PORTCULLIS_BOOTSTRAP_ADMIN_KEY.',
    migrate:
      'Usage: portcullis migrate\n\nApplies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR.',
  };
  if (databaseHelp[command] !== undefined && wantsHelp(rest)) {
    console.log(databaseHelp[command]);
    return EXIT.ok;
  }
  switch (command) {
    case 'bootstrap-admin':
      return (await import('./commands/database.js')).bootstrapAdmin(rest);
    case 'generate-key':
      console.log(generateKey().plaintext);
      return EXIT.ok;
    case 'migrate':
      return (await import('./commands/database.js')).migrate();
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

/**
 * Every failure becomes a message and one of the documented exit codes. The configuration file's
 * errors are imported here, when there is an error, so that every other command starts without
 * loading the file reader (YAML, the schema validator).
 */
async function exitCodeFor(error: unknown): Promise<number> {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${shownUsage}`);
    return EXIT.usage;
  }
  console.error(describeError(error));
  const [{ MissingSecretsError, StaleRulesError }, { PlanError }, { ConfigFileError }] =
    await Promise.all([
      import('../config-file/config-apply.js'),
      import('../config-file/config-plan.js'),
      import('../config-file/config-reader.js'),
    ]);
  if (
    error instanceof ConfigFileError ||
    error instanceof PlanError ||
    error instanceof MissingSecretsError
  ) {
    return EXIT.usage;
  }
  if (error instanceof NotFound || error instanceof StaleRulesError) return EXIT.refused;
  if (error instanceof ApiProblemError) {
    return error.problem.status < 500 ? EXIT.refused : EXIT.failed;
  }
  if (error instanceof UnreachableError) return EXIT.failed;
  return EXIT.failed;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = await exitCodeFor(error);
}
