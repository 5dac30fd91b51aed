import type { InvalidField } from '../common/problem.js';
import type { Identity, KeyRoute } from '../core/identity.js';
import { pathPatternCovers } from '../policies/path-pattern.js';
import { scopesOf } from '../policies/rules/requirements.js';

/**
 * What a self-service key asks for beyond the credential that asks for it: a key may narrow its
 * maker's scopes and routes, never widen them. Scopes must be among the caller's; when the caller
 * is limited to some routes, so must the new key be, each route within one of the caller's.
 */
export function wideningOf(
  caller: Identity,
  wanted: { scopes?: readonly string[]; routes?: readonly KeyRoute[] },
): InvalidField[] {
  const problems: InvalidField[] = [];
  const held = scopesOf(caller);
  wanted.scopes?.forEach((scope, index) => {
    if (!held.has(scope)) {
      problems.push({
        pointer: `#/scopes/${index}`,
        detail: `the credential you use does not carry the scope "${scope}"`,
      });
    }
  });
  const limits = caller.credential.routes ?? [];
  if (limits.length === 0) return problems;
  const routes = wanted.routes ?? [];
  if (routes.length === 0) {
    problems.push({
      pointer: '#/routes',
      detail: 'the credential you use is limited to some routes: so must the new key be',
    });
  }
  routes.forEach((route, index) => {
    if (!limits.some((limit) => routeWithin(route, limit))) {
      problems.push({
        pointer: `#/routes/${index}`,
        detail: 'goes beyond the routes of the credential you use',
      });
    }
  });
  return problems;
}

function routeWithin(route: KeyRoute, limit: KeyRoute): boolean {
  const methods = route.methods.map((method) => method.toUpperCase());
  const methodsWithin =
    limit.methods.length === 0 ||
    (methods.length > 0 && methods.every((m) => limit.methods.includes(m)));
  return (
    methodsWithin &&
    route.paths.every((path) => limit.paths.some((outer) => pathPatternCovers(outer, path)))
  );
}
