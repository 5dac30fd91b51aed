import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiProblemError, interpretAnswer, type AdminApi } from '../admin-client/admin-api.js';
import type { Runtime } from '../runtime.js';
import { applyPlan, describeChange } from './config-apply.js';
import { computePlan } from './config-plan.js';
import { readConfigFile } from './config-reader.js';
import { readServiceState, type ServiceState } from './service-state.js';

/**
 * The admin API of this very process, through Fastify's request injection: each call runs the
 * whole HTTP pipeline (authentication, the admin guard, validation, the controller, the audit
 * record, problem documents) without a socket. So the seed has no second path to the data.
 */
export class InjectedAdminApi implements AdminApi {
  constructor(
    private readonly app: NestFastifyApplication,
    private readonly key: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.app.inject({
      method: method as 'GET',
      url: path,
      headers: {
        ...extraHeaders,
        authorization: `Bearer ${this.key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return interpretAnswer<T>(
      method,
      path,
      response.statusCode,
      String(response.headers['content-type'] ?? ''),
      response.body,
    );
  }
}

/**
 * Empty: nothing configured yet. Settings never changed (every change to settings, rules and
 * providers raises the version from 1), no rules or providers, no group but the admins'.
 */
export function isUnconfigured(state: ServiceState, adminGroup: string): boolean {
  return (
    state.settings.version === 1 &&
    state.rules.rules.length === 0 &&
    state.rules.defaultRule.effect === 'authenticated' &&
    state.rules.defaultRule.require.length === 0 &&
    state.providers.length === 0 &&
    state.groups.every((g) => g.name.toLowerCase() === adminGroup.toLowerCase())
  );
}

/**
 * PORTCULLIS_CONFIG: applies the file to an empty database, as the bootstrap admin, through the
 * admin API; on a configured one the file is ignored (use `portcullis apply`). On an empty one,
 * a bad file, a missing secret or a refused change stops the start.
 */
export async function seedFromConfigFile(
  app: NestFastifyApplication,
  runtime: Runtime,
): Promise<'seeded' | 'ignored'> {
  const { configFile, bootstrapAdmin } = runtime.config;
  if (configFile === undefined || bootstrapAdmin === undefined) return 'ignored';
  const api = new InjectedAdminApi(app, bootstrapAdmin.key);
  return whileSeedLocked(runtime, () => seed(configFile, api, runtime));
}

/** Any fixed number, the same on every instance: the advisory lock that lets one of them seed. */
const SEED_LOCK_ID = 7_201_555;

/**
 * Instances that start together on one empty PostgreSQL database take turns, so that one seeds
 * and the others find it configured. The embedded database has one process (and one connection,
 * which the lock would hold while the seed's own requests wait for it): no lock there, nor with a
 * one-connection pool.
 */
async function whileSeedLocked<T>(runtime: Runtime, work: () => Promise<T>): Promise<T> {
  if (runtime.config.databaseUrl === undefined || runtime.config.databasePoolSize < 2) {
    return work();
  }
  const runner = runtime.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [SEED_LOCK_ID]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * The file is read only for an empty database: a configured service keeps starting whatever
 * becomes of the file (it is then changed with `portcullis apply`, which checks the file itself).
 */
async function seed(
  configFile: string,
  api: AdminApi,
  runtime: Runtime,
): Promise<'seeded' | 'ignored'> {
  const state = await readServiceState(api).catch((error: unknown) => {
    // The bootstrap key was revoked, as its description advises: this is no first start.
    if (error instanceof ApiProblemError && [401, 403].includes(error.problem.status)) {
      return undefined;
    }
    throw error;
  });
  if (state === undefined || !isUnconfigured(state, runtime.config.adminGroup)) {
    runtime.logger.info(
      { file: configFile },
      'PORTCULLIS_CONFIG is ignored: the database is already configured (use portcullis apply)',
    );
    return 'ignored';
  }
  const doc = readConfigFile(configFile);
  const plan = computePlan(doc, state);
  await applyPlan(api, plan, process.env, (change) =>
    runtime.logger.info({ change: describeChange(change)[0] }, 'Seeded from PORTCULLIS_CONFIG'),
  );
  runtime.logger.info(
    { file: configFile, changes: plan.changes.length },
    'Applied PORTCULLIS_CONFIG to the empty database',
  );
  return 'seeded';
}
