import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../config/app-config.js';

/** Where this copy of Portcullis runs, as far as the way to call its CLI goes. */
export type Installation = 'checkout' | 'package' | 'container';

/**
 * How this copy was installed: the image says so (PORTCULLIS_INSTALLATION=container, set in the
 * Dockerfile); a build beside its sources is a checkout; anything else is an installed package.
 */
export function detectInstallation(
  env: NodeJS.ProcessEnv = process.env,
  distDir: string = join(dirname(fileURLToPath(import.meta.url)), '..'),
): Installation {
  if (env.PORTCULLIS_INSTALLATION === 'container') return 'container';
  const root = dirname(distDir);
  const insidePackages = distDir.split(sep).includes('node_modules');
  if (!insidePackages && existsSync(join(root, 'src')) && existsSync(join(root, 'package.json'))) {
    return 'checkout';
  }
  return 'package';
}

/** The command line that runs `portcullis <args>` where this copy runs. */
export function cliCommand(
  args: string,
  installation: Installation = detectInstallation(),
): string {
  switch (installation) {
    case 'checkout':
      return `npm run cli -- ${args}`;
    case 'container':
      return `docker compose exec portcullis portcullis ${args}`;
    case 'package':
      return `portcullis ${args}`;
  }
}

/**
 * The start-up hint's command: bootstrap-admin as it runs here, on this service's database. A CLI
 * run without the service's DATABASE_URL (or DATA_DIR) would look at another database, so the
 * hint says which one to give it.
 */
export function bootstrapAdminHint(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>,
  installation: Installation = detectInstallation(),
): string {
  const command = cliCommand('bootstrap-admin --username admin', installation);
  // Inside the container the CLI inherits the service's environment.
  if (installation === 'container') return command;
  if (config.databaseUrl !== undefined) {
    return `${command} (with this service's DATABASE_URL and PORTCULLIS_SECRET set)`;
  }
  return config.dataDir === './data' ? command : `DATA_DIR=${config.dataDir} ${command}`;
}
