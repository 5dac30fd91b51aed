import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { interpretAnswer, type AdminApi } from '../admin-client/admin-api.js';
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

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.app.inject({
      method: method as 'GET',
      url: path,
      headers: {
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
    state.pathRules.length === 0 &&
    state.accessRules.length === 0 &&
    state.providers.length === 0 &&
    state.groups.every((g) => g.name.toLowerCase() === adminGroup.toLowerCase())
  );
}

/**
 * PORTCULLIS_CONFIG: applies the file to an empty database, as the bootstrap admin, through the
 * admin API; on a configured one the file is only checked, and ignored (use `portcullis apply`).
 * A bad file, a missing secret or a refused change stops the start.
 */
export async function seedFromConfigFile(
  app: NestFastifyApplication,
  runtime: Runtime,
): Promise<'seeded' | 'ignored'> {
  const { configFile, bootstrapAdmin, adminGroup } = runtime.config;
  if (configFile === undefined || bootstrapAdmin === undefined) return 'ignored';
  const doc = readConfigFile(configFile);
  const api = new InjectedAdminApi(app, bootstrapAdmin.key);
  const state = await readServiceState(api);
  if (!isUnconfigured(state, adminGroup)) {
    runtime.logger.info(
      { file: configFile },
      'PORTCULLIS_CONFIG is ignored: the database is already configured (use portcullis apply)',
    );
    return 'ignored';
  }
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
