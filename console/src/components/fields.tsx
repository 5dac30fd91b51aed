import { createContext, useContext, useId, type ReactNode } from 'react';
import type { ApiError } from '../api';

/**
 * The error of the form around a field: fields find their own message in it by name, so that a
 * form states its error once (FormSection provides it) instead of on every field.
 */
export const FormErrorContext = createContext<ApiError | undefined>(undefined);

/** The field's own error if one is given (a field outside a form), else its form's. */
function useFieldError(name: string, given: ApiError | undefined): string | undefined {
  const fromForm = useContext(FormErrorContext);
  return (given ?? fromForm)?.forField(name);
}

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

interface FieldProps {
  label: string;
  /** The field's path in the request body (`parameters/domain`): its error is found by it. */
  name: string;
  /** Only outside a FormSection, or to show another error than the form's. */
  error?: ApiError | undefined;
  hint?: ReactNode;
}

export function TextField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    type?: string;
    required?: boolean;
    placeholder?: string | undefined;
    autoComplete?: string;
    list?: string;
  },
) {
  return (
    <Field label={props.label} hint={props.hint} error={useFieldError(props.name, props.error)}>
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

export function SelectField(
  props: FieldProps & {
    value: string;
    options: readonly (string | readonly [value: string, label: string])[];
    onChange: (value: string) => void;
  },
) {
  return (
    <Field label={props.label} hint={props.hint} error={useFieldError(props.name, props.error)}>
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

export function CheckboxField(
  props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void },
) {
  const id = useId();
  const message = useFieldError(props.name, props.error);
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
 * above the form, with its title and detail (a 409 "last admin" says what to do in its detail).
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
