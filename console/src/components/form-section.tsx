import type { FormEvent, ReactNode } from 'react';
import { FormError, FormErrorContext } from './fields';
import { useAction } from './hooks';
import { useNotice } from './notice';

/**
 * A titled form that sends itself: `onSubmit` does the work and returns the success message to
 * show (or nothing, where the result shows itself). Its fields find their errors by name; an
 * error none of `fields` explains is shown above them.
 */
export function FormSection(props: {
  title: string;
  /** The request body's field names, for errors the fields show themselves. */
  fields: readonly string[];
  submitLabel: string;
  onSubmit: () => Promise<string | void>;
  children: ReactNode;
  /** More buttons beside the submit one (Cancel). */
  actions?: ReactNode;
  /** A form that lays its fields out itself (fieldsets) instead of in the grid. */
  className?: string;
  /** The heading only for screen readers (the page's h1 says it already). */
  plain?: boolean;
  /** Shown under the form: what it brought back. */
  after?: ReactNode;
}) {
  const { error, busy, run } = useAction();
  const say = useNotice();
  const headingId = `${props.title.replace(/\W+/g, '-').toLowerCase()}-title`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const message = await props.onSubmit();
      if (typeof message === 'string') say(message);
    });
  };

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className={props.plain === true ? 'visually-hidden' : undefined}>
        {props.title}
      </h2>
      <form onSubmit={submit} noValidate className={props.className ?? 'grid-form'}>
        <FormError error={error} fields={props.fields} />
        <FormErrorContext.Provider value={error}>{props.children}</FormErrorContext.Provider>
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {props.submitLabel}
          </button>
          {props.actions}
        </div>
      </form>
      {props.after}
    </section>
  );
}
