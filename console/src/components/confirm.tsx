import {
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { createPortal } from 'react-dom';
import { api } from '../api';
import { FormError } from './fields';
import { useAction } from './hooks';
import { useNotice } from './notice';

export interface Confirmation {
  /** The question, naming the object: `Revoke the key "ci-deploy" of alice?` */
  title: string;
  /** What will follow, said before it happens (a revoked session key signs you out). */
  detail?: ReactNode;
  /** The button that does it: "Revoke", "Delete"; Cancel is always beside it. */
  confirmLabel: string;
  /** Does it; a refusal (409 "last admin", say) stays in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  /** Said once it is done. */
  done?: string;
}

/**
 * An in-page confirmation (never window.confirm, which cannot name things clearly or be styled,
 * and which browsers let pages suppress): an alertdialog that takes the focus on Cancel, the
 * harmless choice, keeps Tab inside, cancels on Escape, and gives the focus back to the opener.
 */
export function ConfirmDialog(props: Confirmation & { onClose: () => void }) {
  const { error, busy, run } = useAction();
  const say = useNotice();
  const dialog = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const detailId = useId();

  // Before the browser paints, so that the focus never rests on what the dialog covers.
  useLayoutEffect(() => {
    const opener = document.activeElement;
    cancel.current?.focus();
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      props.onClose();
    }
    if (event.key !== 'Tab') return;
    const buttons = [...(dialog.current?.querySelectorAll('button:not(:disabled)') ?? [])];
    const first = buttons[0] as HTMLElement | undefined;
    const last = buttons.at(-1) as HTMLElement | undefined;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };

  const confirm = () =>
    void run(async () => {
      await props.onConfirm();
      if (props.done !== undefined) say(props.done);
      props.onClose();
    });

  return createPortal(
    <div className="dialog-backdrop">
      <div
        ref={dialog}
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={props.detail === undefined ? undefined : detailId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.detail !== undefined && (
          <div id={detailId} className="dialog-detail">
            {props.detail}
          </div>
        )}
        <FormError error={error} />
        <div className="form-actions">
          <button type="button" className="danger" disabled={busy} onClick={confirm}>
            {props.confirmLabel}
          </button>
          <button type="button" className="secondary" ref={cancel} onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}

/** A button that asks first (see ConfirmDialog), for anything that cannot be taken back. */
export function ConfirmButton(
  props: Confirmation & {
    children: ReactNode;
    /** The button's accessible name where its text alone is ambiguous in a list ("Delete"). */
    'aria-label'?: string;
    className?: 'danger' | 'secondary';
  },
) {
  const [open, setOpen] = useState(false);
  const { children, className, 'aria-label': label, ...confirmation } = props;
  return (
    <>
      <button
        type="button"
        className={className ?? 'danger'}
        aria-label={label}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        {children}
      </button>
      {open && <ConfirmDialog {...confirmation} onClose={() => setOpen(false)} />}
    </>
  );
}

/** Delete, asking first: "Delete the group developers?" (`what` names it in the question). */
export function DeleteButton(props: {
  /** The record's API path, for DELETE. */
  path: string;
  /** How the question names it: `the group developers`. */
  what: string;
  /** The button's accessible name, after "Delete": `group developers`. */
  name: string;
  detail?: ReactNode;
  onDeleted: () => void;
}) {
  return (
    <ConfirmButton
      aria-label={`Delete ${props.name}`}
      title={`Delete ${props.what}?`}
      detail={props.detail}
      confirmLabel="Delete"
      done={`Deleted ${props.what}.`}
      onConfirm={async () => {
        await api('DELETE', props.path);
        props.onDeleted();
      }}
    >
      Delete
    </ConfirmButton>
  );
}
