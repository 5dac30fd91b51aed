import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI (`npm test` builds first), run as a real process. */
export const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Environment besides PATH and HOME; nothing of the test runner's leaks in. */
  env?: Record<string, string>;
  /** Written to the CLI's standard input. */
  input?: string;
}

/**
 * Runs `portcullis <args>` and waits for it. Asynchronous on purpose: the service under test runs
 * in this very process, and must keep answering while the CLI waits for it.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A CLI bound to one service and admin key, given through the environment. */
export function cliFor(url: string, key: string, extraEnv: Record<string, string> = {}) {
  return (args: string[], options: CliOptions = {}) =>
    runCli(args, {
      ...options,
      env: { PORTCULLIS_URL: url, PORTCULLIS_KEY: key, ...extraEnv, ...options.env },
    });
}
