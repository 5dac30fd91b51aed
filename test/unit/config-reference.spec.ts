import { readFileSync } from 'node:fs';
import { DEFAULT_URL } from '../../src/cli/cli-context.js';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { renderConfigReference } from '../../src/config/config-reference.js';
import { ENV_VARIABLES, type EnvVariable } from '../../src/config/env-variables.js';

const CHECKED_IN = new URL('../../docs/configuration.md', import.meta.url);
const VARIABLES = Object.entries(ENV_VARIABLES as Record<string, EnvVariable>);
const SERVICE_VARIABLES = VARIABLES.filter(([, variable]) => variable.cli !== true);

/** The names loadConfig asks the environment for, given these values. */
function namesRead(values: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return names;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('The configuration reference (docs/configuration.md)', () => {
  it('is the checked-in docs/configuration.md', () => {
    let checkedIn = '';
    try {
      checkedIn = readFileSync(CHECKED_IN, 'utf8');
    } catch {
      // reported below, with the command that writes it
    }
    if (renderConfigReference() !== checkedIn) {
      throw new Error('docs/configuration.md is stale: run npm run docs:config');
    }
  });

  it('names every variable the service reads, and nothing it does not', () => {
    const read = new Set([
      ...namesRead({}),
      // Some variables are only read beside others.
      ...namesRead({ REDIS_SENTINELS: 'sentinel:26379', REDIS_SENTINEL_NAME: 'main' }),
    ]);
    expect([...read].sort()).toEqual(SERVICE_VARIABLES.map(([name]) => name).sort());
  });

  it("gives loadConfig's defaults", () => {
    const config = loadConfig({});
    expect(config.port).toBe(ENV_VARIABLES.PORT.default);
    expect(config.grpcPort).toBe(ENV_VARIABLES.GRPC_PORT.default);
    expect(config.host).toBe(ENV_VARIABLES.HOST.default);
    expect(config.dataDir).toBe(ENV_VARIABLES.DATA_DIR.default);
    expect(config.mailFrom).toBe(ENV_VARIABLES.MAIL_FROM.default);
    expect(config.consoleSession.maxAgeMs).toBe(
      ENV_VARIABLES.CONSOLE_SESSION_MAX_AGE_SECONDS.default * 1000,
    );
    expect(ENV_VARIABLES.PORTCULLIS_URL.defaultText).toBe(`\`${DEFAULT_URL}\``);
  });

  it.each(VARIABLES.filter(([, variable]) => variable.kind === 'integer'))(
    '%s: the bounds it states are the bounds loadConfig enforces',
    (name, variable) => {
      if (variable.kind !== 'integer') throw new Error('not an integer');
      const named = (problems: string[]) => problems.some((p) => p.startsWith(`${name}:`));
      expect(named(problemsOf({ [name]: String(variable.max + 1) }))).toBe(true);
      expect(named(problemsOf({ [name]: String(variable.max) }))).toBe(false);
      expect(named(problemsOf({ [name]: String(variable.min) }))).toBe(false);
      if (variable.min > 0)
        expect(named(problemsOf({ [name]: String(variable.min - 1) }))).toBe(true);
    },
  );

  it('keeps every row short', () => {
    for (const [name, variable] of VARIABLES) {
      expect({ name, length: variable.doc.length }).toEqual({
        name,
        length: Math.min(variable.doc.length, 80),
      });
    }
    const rows = renderConfigReference()
      .split('\n')
      .filter((line) => line.startsWith('|'));
    expect(Math.max(...rows.map((row) => row.length))).toBeLessThanOrEqual(160);
  });
});
