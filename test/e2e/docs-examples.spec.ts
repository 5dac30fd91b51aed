import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CLI } from '../support/cli.js';
import {
  examplesIn,
  markdownFiles,
  ROOT,
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
  /** Each command's output, in order. */
  outputs: string[];
  /** What was printed after the last command that finished. */
  rest: string;
  stderr: string;
  code: number | null;
}

/** Runs the commands in one bash, printing a marker after each so that outputs can be told apart. */
function run(commands: ExampleCommand[], url: string, adminKey: string): Promise<Ran> {
  const marker = `@@docs-example-${randomBytes(6).toString('hex')}@@`;
  const script = [
    'set -euo pipefail',
    `portcullis() { node ${JSON.stringify(CLI)} "$@"; }`,
    ...commands.map(
      (command) =>
        `${command.text.replaceAll('pcl_...', adminKey).replace(WRITTEN_URL, url)}\n` +
        `printf '\\n${marker}\\n'`,
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
      const outputs = stdout.split(`\n${marker}\n`);
      const rest = outputs.pop() ?? '';
      resolve({ outputs, rest, stderr, code });
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
        const failed = ran.outputs.length < example.commands.length;
        const command =
          example.commands[Math.min(ran.outputs.length, example.commands.length - 1)]!;
        if (failed || ran.code !== 0 || ran.stderr !== '') {
          throw new Error(
            `${where(example, command)} failed (exit ${ran.code}):\n${command.text}\n\n` +
              `stderr: ${ran.stderr}\nstdout: ${ran.rest}`,
          );
        }
        example.commands.forEach((command, index) => {
          const output = ran.outputs[index]!;
          if (command.prints !== undefined) {
            expect({ at: where(example, command), prints: lines(output) }).toEqual({
              at: where(example, command),
              prints: command.prints,
            });
          } else {
            // A command whose output the example does not show must not have been refused.
            expect({
              at: where(example, command),
              refused: /urn:portcullis:problem/.test(output),
            }).toEqual({ at: where(example, command), refused: false });
          }
        });
      }, 60_000);
    },
  );
});
