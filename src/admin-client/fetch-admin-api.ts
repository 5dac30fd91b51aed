import { interpretAnswer, UnreachableError, type AdminApi } from './admin-api.js';

/** A generous bound: provider calls (discovery) on the server side take up to a few seconds. */
const TIMEOUT_MS = 30_000;

/** The admin API of a running Portcullis, over HTTP with an admin key. */
export class FetchAdminApi implements AdminApi {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly key: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      ...extraHeaders,
      authorization: `Bearer ${this.key}`,
      accept: 'application/json, application/problem+json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        `Cannot reach Portcullis at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const text = await response.text();
    return interpretAnswer<T>(
      method,
      path,
      response.status,
      response.headers.get('content-type') ?? '',
      text,
    );
  }
}
