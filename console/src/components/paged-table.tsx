import type { ReactNode } from 'react';
import { FormError, FormErrorContext, TextField } from './fields';
import type { PagedList } from './hooks';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

/**
 * A table of records: a header a column, a row a record, and a last column of actions (its
 * header hidden but named, for screen readers). It scrolls sideways in its own box on a narrow
 * screen, with the actions column pinned to the right edge so they stay within reach.
 */
export function DataTable<T>(props: {
  label: string;
  rows: readonly T[] | undefined;
  rowKey: (row: T) => string;
  columns: readonly Column<T>[];
  actions?: (row: T) => ReactNode;
  empty?: string;
  /** A row to point out (the rule that decided a request): marked and named as current. */
  current?: (row: T) => boolean;
}) {
  return (
    <div className="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column.header}>
                {column.header}
              </th>
            ))}
            {props.actions !== undefined && (
              <th scope="col" className="actions">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.rows?.map((row) => (
            <tr
              key={props.rowKey(row)}
              className={props.current?.(row) === true ? 'current' : undefined}
              aria-current={props.current?.(row) === true ? 'true' : undefined}
            >
              {props.columns.map((column) => (
                <td key={column.header}>{column.cell(row)}</td>
              ))}
              {props.actions !== undefined && (
                <td className="actions">
                  <div>{props.actions(row)}</div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows?.length === 0 && <p className="empty">{props.empty ?? 'Nothing yet.'}</p>}
    </div>
  );
}

/**
 * A list endpoint's records a page at a time, with the total and Previous/Next, and optionally a
 * search box and more filters above it. Nothing is cut off silently: the total counts every
 * match, and every one is reachable by paging.
 */
export function PagedTable<T>(props: {
  title: string;
  list: PagedList<T>;
  rowKey: (row: T) => string;
  columns: readonly Column<T>[];
  actions?: (row: T) => ReactNode;
  empty?: string;
  search?: { label: string; value: string; onChange: (value: string) => void; hint?: string };
  /** More filters beside the search box. */
  filters?: ReactNode;
  /** A hint under the title. */
  intro?: ReactNode;
  /** Filter fields whose errors (a 404 owner, say) they show themselves. */
  filterFields?: readonly string[];
}) {
  const { page, pageSize } = props.list;
  const headingId = `${props.title.replace(/\W+/g, '-').toLowerCase()}-list-title`;
  const search = props.search;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      {props.intro !== undefined && <p className="hint">{props.intro}</p>}
      {(search !== undefined || props.filters !== undefined) && (
        // The filters find their errors (an unknown owner, say) in the list's answer.
        <div className="filters" role="search">
          <FormErrorContext.Provider value={props.list.error}>
            {search !== undefined && (
              <TextField
                label={search.label}
                name="search"
                type="search"
                value={search.value}
                onChange={search.onChange}
                placeholder={search.hint}
              />
            )}
            {props.filters}
          </FormErrorContext.Provider>
        </div>
      )}
      <FormError error={props.list.error} fields={['search', ...(props.filterFields ?? [])]} />
      <DataTable
        label={props.title}
        rows={props.list.error === undefined ? page?.items : undefined}
        rowKey={props.rowKey}
        columns={props.columns}
        actions={props.actions}
        empty={props.empty}
      />
      {page !== undefined && props.list.error === undefined && (
        // Counted from the page shown, not the one asked for: until the next page arrives, the
        // range still describes the rows on screen.
        <nav className="pager" aria-label={`${props.title} pages`}>
          <button
            type="button"
            className="secondary"
            disabled={page.offset === 0}
            onClick={() => props.list.setOffset(Math.max(0, page.offset - pageSize))}
          >
            Previous
          </button>
          <span data-testid="page-range">
            {page.total === 0
              ? 'None'
              : `${page.offset + 1}–${page.offset + page.items.length} of ${page.total}`}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={page.offset + pageSize >= page.total}
            onClick={() => props.list.setOffset(page.offset + pageSize)}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
