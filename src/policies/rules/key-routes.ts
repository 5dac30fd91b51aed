import type { DecisionRequest } from '../../core/decision-request.js';
import type { Identity, KeyRoute } from '../../core/identity.js';
import { compilePathPattern, type PathPattern } from '../path-pattern.js';
import { isPlain } from './rule-matcher.js';

interface CompiledRoute {
  methods: ReadonlySet<string> | null;
  paths: readonly PathPattern[];
}

/** Each key's routes, compiled once: a cached key record keeps the same routes array. */
const compiled = new WeakMap<readonly KeyRoute[], readonly CompiledRoute[]>();

/**
 * Whether a credential limited to some routes may be used on this request. A route opens a path,
 * so it matches as public rules do: case-sensitively, and never a path that needed normalising or
 * cannot be read. A credential without routes may be used anywhere.
 */
export function routesAllow(identity: Identity, request: DecisionRequest): boolean {
  const routes = identity.credential.routes;
  if (routes === undefined || routes.length === 0) return true;
  const path = request.path;
  if (path === undefined || !isPlain(request)) return false;
  let list = compiled.get(routes);
  if (list === undefined) {
    list = routes.map((route) => ({
      methods: route.methods.length === 0 ? null : new Set(route.methods),
      paths: route.paths.map(compilePathPattern),
    }));
    compiled.set(routes, list);
  }
  return list.some(
    (route) =>
      (route.methods === null || route.methods.has(request.method)) &&
      route.paths.some((pattern) => pattern.matches(path)),
  );
}
