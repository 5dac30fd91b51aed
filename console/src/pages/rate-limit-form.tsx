import { useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import { api } from '../api';
import { FormError, TextField, useAction, useNotice } from '../components';

export const RATE_LIMIT_HINT = 'For example "600 per minute" (per second, minute, hour or day).';

/** A rate limit as the form sends it: empty text removes the limit (null). */
export function rateLimitValue(text: string): string | null {
  return text.trim() === '' ? null : text.trim();
}

/**
 * Changes or removes the rate limit of a key or a group (`PATCH path` with `rateLimit`). The
 * field takes the focus when the form opens and gives it back when it closes, and Escape
 * closes it, so that it works from the keyboard.
 */
export function RateLimitForm(props: {
  /** "key ci-deploy", "group developers": the heading names it. */
  subject: string;
  path: string;
  current: string | null;
  onDone: (changed: boolean) => void;
}) {
  const [rateLimit, setRateLimit] = useState(props.current ?? '');
  const { error, busy, run } = useAction();
  const say = useNotice();
  const section = useRef<HTMLElement>(null);

  // Before the browser paints, so that the focus never lingers on a button that is gone.
  useLayoutEffect(() => {
    // Back to the button that opened the form when it closes, if that is still on the page.
    const opener = document.activeElement;
    section.current?.querySelector('input')?.focus();
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  const save = (value: string | null) =>
    void run(async () => {
      await api('PATCH', props.path, { rateLimit: value });
      say(
        value === null
          ? `Rate limit of ${props.subject} removed.`
          : `Rate limit of ${props.subject} set to ${value}.`,
      );
      props.onDone(true);
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save(rateLimitValue(rateLimit));
  };

  return (
    <section
      ref={section}
      aria-labelledby="rate-limit-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onDone(false);
      }}
    >
      <h2 id="rate-limit-title">Rate limit of {props.subject}</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={['rateLimit']} />
        <TextField
          label="Rate limit"
          name="rateLimit"
          value={rateLimit}
          onChange={setRateLimit}
          error={error}
          placeholder="none"
          hint={`${RATE_LIMIT_HINT} Empty: no limit.`}
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Save rate limit
          </button>
          {props.current !== null && (
            <button type="button" className="secondary" disabled={busy} onClick={() => save(null)}>
              Remove rate limit
            </button>
          )}
          <button type="button" className="secondary" onClick={() => props.onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * "Rate limit" on a key's or group's row: opens the form over the page, as a dialog, so that it
 * is next to nothing else and the list keeps its place.
 */
export function RateLimitButton(props: {
  /** "key ci-deploy", "group developers". */
  subject: string;
  /** The button's accessible name after "Change the rate limit of": `ci-deploy`, `group dev`. */
  name: string;
  path: string;
  current: string | null;
  onChanged: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-label={`Change the rate limit of ${props.name}`}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        Rate limit
      </button>
      {open &&
        createPortal(
          <div className="dialog-backdrop">
            <div
              className="dialog"
              role="dialog"
              aria-modal="true"
              aria-labelledby="rate-limit-title"
            >
              <RateLimitForm
                subject={props.subject}
                path={props.path}
                current={props.current}
                onDone={(changed) => {
                  setOpen(false);
                  if (changed) props.onChanged();
                }}
              />
            </div>
          </div>,
          document.body,
        )}
    </>
  );
}
