/** One invalid field, as the service reports it in a problem document (RFC 9457). */
export interface ProblemField {
  pointer: string;
  detail: string;
}

/** The problem document of a refused admin API call. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
}

/** The service answered, and refused (4xx) or failed (5xx). */
export class ApiProblemError extends Error {
  override name = 'ApiProblemError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly problem: Problem,
  ) {
    super(`${method} ${path}: ${problem.status} ${problem.title ?? ''} ${problem.detail ?? ''}`);
  }
}

/** The service could not be reached, or answered something that is not the admin API. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * The admin API as the CLI and the declarative configuration see it: one method per HTTP call.
 * The CLI talks to it over HTTP; the PORTCULLIS_CONFIG seed through the service's own HTTP
 * pipeline in-process. Either way every call is validated, authorised and audited alike.
 */
export interface AdminApi {
  /**
   * Resolves to the parsed JSON answer (undefined for 204); rejects with ApiProblemError.
   * `headers` carries preconditions such as If-Match.
   */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
}

interface Page<T> {
  items: T[];
  total: number;
}

const PAGE_SIZE = 500;

/** Every item of a paged list (`?limit=&offset=`). */
export async function listAll<T>(
  api: AdminApi,
  path: string,
  query: Record<string, string> = {},
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const params = new URLSearchParams({
      ...query,
      limit: String(PAGE_SIZE),
      offset: String(items.length),
    });
    const page = await api.request<Page<T>>('GET', `${path}?${params}`);
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}

/** Turns an HTTP answer into a result or an ApiProblemError, the same for fetch and inject. */
export function interpretAnswer<T>(
  method: string,
  path: string,
  status: number,
  contentType: string,
  text: string,
): T {
  let body: unknown = undefined;
  if (text.length > 0 && contentType.includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new UnreachableError(`${method} ${path} answered ${status} with malformed JSON`);
    }
  }
  if (status >= 200 && status < 300) return body as T;
  if (typeof body === 'object' && body !== null && 'status' in body) {
    throw new ApiProblemError(method, path, body as Problem);
  }
  throw new ApiProblemError(method, path, {
    status,
    title: `HTTP ${status}`,
    detail: text.slice(0, 300) || undefined,
  });
}
