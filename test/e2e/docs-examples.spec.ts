import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CLI } from '../support/cli.js';
import {
  examplesIn,
  markdownFiles,
  printedLine,
  ROOT,
  unmarkedExamples,
  type DocsExample,
  type ExampleCommand,
} from '../support/docs-examples.js';
import { rememberSecret } from '../support/secret-ledger.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The shell examples of the README and the guides, run as written against a fresh instance
// through its real HTTP interface (curl, and the built CLI as `portcullis`), so the docs cannot
// drift from the service. test/support/docs-examples.ts says how a block is marked.

const EXAMPLES = markdownFiles().flatMap(examplesIn);
const WRITTEN_URL = /http:\/\/(127\.0\.0\.1|localhost):8080/g;

interface Ran {
  /** Each command's output and exit status, in order. */
  outputs: string[];
  statuses: number[];
  /** What was printed after the last command that finished. */
  rest: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs the commands in one bash, printing a marker and the exit status after each, so that
 * outputs can be told apart. Not `set -e`: a command may be meant to fail (`# exits 4`).
 */
function run(commands: ExampleCommand[], url: string, adminKey: string): Promise<Ran> {
  const marker = `@@docs-example-${randomBytes(6).toString('hex')}@@`;
  const script = [
    'set -uo pipefail',
    `portcullis() { node ${JSON.stringify(CLI)} "$@"; }`,
    ...commands.map(
      (command) =>
        `${command.text.replaceAll('pcl_...', adminKey).replace(WRITTEN_URL, url)}\n` +
        `printf '\\n${marker} %d\\n' $?`,
    ),
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const parts = stdout.split(new RegExp(`\n${marker} (\\d+)\n`));
      const rest = parts.pop() ?? '';
      const outputs = parts.filter((_, index) => index % 2 === 0);
      const statuses = parts.filter((_, index) => index % 2 === 1).map(Number);
      resolve({ outputs, statuses, rest, stderr, code });
    });
  });
}

/** Lines as a reader compares them: trailing spaces and the final newline do not count. */
function lines(text: string): string[] {
  const all = text.split('\n').map((line) => line.trimEnd());
  while (all.at(-1) === '') all.pop();
  return all;
}

const where = (example: DocsExample, command: ExampleCommand) =>
  `${example.file}:${command.line} (${example.name})`;

describe('The docs examples', () => {
  it('include the README walkthrough', () => {
    expect(EXAMPLES.map((example) => `${example.file}#${example.name}`)).toContain(
      'README.md#walkthrough',
    );
  });

  it('are all run, or say why not', () => {
    const unmarked = markdownFiles().flatMap((file) =>
      unmarkedExamples(file).map((line) => `${file.slice(ROOT.length + 1)}:${line}`),
    );
    expect(unmarked).toEqual([]);
  });

  describe.each(EXAMPLES.map((example) => [`${example.file}#${example.name}`, example] as const))(
    '%s',
    (_, example) => {
      let service: TestApp;

      beforeAll(async () => {
        service = await startTestApp();
      }, 120_000);
      afterAll(() => service?.close());

      it('runs as written', async () => {
        const ran = await run(example.commands, service.url, service.adminKey);
        for (const output of ran.outputs) {
          for (const secret of output.match(/\b(pcl|pcs)_[A-Za-z0-9]{20,}/g) ?? []) {
            rememberSecret(secret);
          }
        }
        if (ran.outputs.length < example.commands.length || ran.stderr !== '') {
          const command =
            example.commands[Math.min(ran.outputs.length, example.commands.length - 1)]!;
          throw new Error(
            `${where(example, command)} stopped the example (exit ${ran.code}):\n${command.text}\n\n` +
              `stderr: ${ran.stderr}\nstdout: ${ran.rest}`,
          );
        }
        example.commands.forEach((command, index) => {
          const output = ran.outputs[index]!;
          const at = `${where(example, command)}: ${command.text.split('\n')[0]}`;
          // Its exit status, and no problem document where the example does not show the output.
          expect({
            at,
            exit: ran.statuses[index],
            refused: /urn:portcullis:problem/.test(output),
          }).toEqual({ at, exit: command.exits, refused: false });
          if (command.prints !== undefined) {
            const printed = lines(output);
            expect({ at, prints: printed }).toEqual({
              at,
              prints: command.prints.map((line, i) =>
                printedLine(line).test(printed[i] ?? '') ? printed[i] : line,
              ),
            });
          }
        });
      }, 60_000);
    },
  );
});
