import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, query, type Page } from '../api';

/** An error thrown by anything, as the ApiError the forms know how to show. */
export function asApiError(caught: unknown): ApiError {
  return caught instanceof ApiError ? caught : new ApiError(0, 'Error', String(caught), []);
}

/** Runs an action, remembering its API error and whether it is running. */
export function useAction() {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, setError };
}

/** Loads something from the API, again whenever `reload` is called or the dependencies change. */
export function useLoad<T>(load: () => Promise<T>, dependencies: readonly unknown[]) {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (loaded) => {
        if (current) {
          setValue(loaded);
          setError(undefined);
        }
      },
      (caught: unknown) => {
        if (current) setError(asApiError(caught));
      },
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...dependencies, version]);
  return { value, error, reload: () => setVersion((v) => v + 1) };
}

export const PAGE_SIZE = 50;

export interface PagedList<T> {
  page: Page<T> | undefined;
  error: ApiError | undefined;
  offset: number;
  pageSize: number;
  setOffset: (offset: number) => void;
  reload: () => void;
}

/**
 * One page of a list endpoint (`?limit=&offset=` plus the filters), back to the first page
 * whenever a filter changes: page 3 of another filter means nothing.
 */
export function usePagedList<T>(
  path: string,
  filters: Record<string, string | undefined> = {},
  pageSize = PAGE_SIZE,
): PagedList<T> {
  const filterKey = JSON.stringify(filters);
  const [at, setAt] = useState({ filterKey, offset: 0 });
  // A new filter starts at its first page; coming back to an earlier filter does too.
  if (at.filterKey !== filterKey) setAt({ filterKey, offset: 0 });
  const offset = at.filterKey === filterKey ? at.offset : 0;
  const loaded = useLoad(
    () => api<Page<T>>('GET', path + query({ ...filters, limit: pageSize, offset })),
    [path, filterKey, offset, pageSize],
  );
  const page = loaded.value;
  // The last row of the last page was deleted: show the page before, not an empty one.
  useEffect(() => {
    if (
      page !== undefined &&
      page.items.length === 0 &&
      page.offset > 0 &&
      page.offset === offset
    ) {
      setAt({ filterKey, offset: Math.max(0, page.offset - pageSize) });
    }
  }, [page, filterKey, offset, pageSize]);
  return {
    page,
    error: loaded.error,
    offset,
    pageSize,
    setOffset: (next) => setAt({ filterKey, offset: next }),
    reload: loaded.reload,
  };
}
