import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

type Say = (message: string) => void;

const NoticeContext = createContext<Say>(() => undefined);

/** Tells the person what was just done ("Key ci-deploy revoked."), from any page or form. */
export function useNotice(): Say {
  return useContext(NoticeContext);
}

/**
 * Holds the latest success message, shown at the top of the page until the next one, a dismissal
 * or a change of page (`page` resets it). A status region, so screen readers announce it.
 */
export function NoticeProvider(props: { page: string; children: ReactNode }) {
  const [notice, setNotice] = useState<{ message: string; page: string; count: number }>();
  const say = useCallback<Say>(
    (message) =>
      setNotice((last) => ({ message, page: props.page, count: (last?.count ?? 0) + 1 })),
    [props.page],
  );
  const shown = notice?.page === props.page ? notice : undefined;
  return (
    <NoticeContext.Provider value={say}>
      <div className="notice-slot" role="status" aria-live="polite">
        {shown !== undefined && (
          // Keyed by count: the same message twice is announced twice.
          <p className="notice" key={shown.count} data-testid="notice">
            <span>{shown.message}</span>
            <button
              type="button"
              className="secondary"
              aria-label="Dismiss the message"
              onClick={() => setNotice(undefined)}
            >
              ×
            </button>
          </p>
        )}
      </div>
      {props.children}
    </NoticeContext.Provider>
  );
}
