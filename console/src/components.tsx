import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from './api';

/** A labelled control with its hint and its error, tied together for screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint === undefined ? undefined : `${id}-hint`;
  const errorId = props.error === undefined ? undefined : `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error === undefined ? '' : ' invalid'}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy, invalid: props.error !== undefined })}
      {props.hint !== undefined && (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      )}
      {props.error !== undefined && (
        <small id={errorId} className="error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: ApiError | undefined;
  hint?: ReactNode;
  type?: string;
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
  list?: string;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error?.forField(props.name)}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value}
          required={props.required}
          placeholder={props.placeholder}
          autoComplete={props.autoComplete ?? 'off'}
          list={props.list}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  options: readonly (string | readonly [value: string, label: string])[];
  onChange: (value: string) => void;
  error?: ApiError | undefined;
  hint?: ReactNode;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error?.forField(props.name)}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          name={props.name}
          value={props.value}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(event) => props.onChange(event.target.value)}
        >
          {props.options.map((option) => {
            const [value, label] = typeof option === 'string' ? [option, option] : option;
            return (
              <option key={value} value={value}>
                {label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField(props: {
  label: string;
  name: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: ApiError | undefined;
  hint?: ReactNode;
}) {
  const id = useId();
  const message = props.error?.forField(props.name);
  return (
    <div className={`field checkbox${message === undefined ? '' : ' invalid'}`}>
      <input
        id={id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        aria-invalid={message !== undefined || undefined}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
      {props.hint !== undefined && <small className="hint">{props.hint}</small>}
      {message !== undefined && (
        <small className="error" role="alert">
          {message}
        </small>
      )}
    </div>
  );
}

/**
 * An API error that no field of the form explains (or any error, when fields is empty): shown
 * above the form, with every field message the API gave.
 */
export function FormError(props: { error: ApiError | undefined; fields?: readonly string[] }) {
  const error = props.error;
  if (error === undefined) return null;
  if (props.fields !== undefined && error.errors.length > 0 && error.pointsAtAny(props.fields)) {
    return null;
  }
  return (
    <div className="alert" role="alert">
      <strong>{error.title}</strong>
      {error.detail !== '' && error.detail !== error.title && <> — {error.detail}</>}
    </div>
  );
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
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'Error', String(caught), []));
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
        if (current) setError(caught instanceof ApiError ? caught : undefined);
      },
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...dependencies, version]);
  return { value, error, reload: () => setVersion((v) => v + 1) };
}

export function formatTime(iso: string | null, never = '—'): string {
  if (iso === null) return never;
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Comma- or line-separated text as a list. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
