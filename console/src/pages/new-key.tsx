import { useState } from 'react';
import type { CreatedKey } from '../api';

/** A key just created: shown this once, with a copy button and a warning. */
export function NewKey(props: { created: CreatedKey; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key for {props.created.username}</h2>
      <p className="warning" role="alert">
        Copy this key now: it is shown only this once. Portcullis keeps only a hash of it and cannot
        show it again.
      </p>
      <div className="key-box">
        <input
          aria-label="The new key"
          readOnly
          value={props.created.key}
          onFocus={(event) => event.target.select()}
          data-testid="new-key"
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p aria-live="polite" className="hint">
        {copied === true && 'Copied to the clipboard.'}
        {copied === false && 'The browser refused the clipboard: select the key and copy it.'}
        {props.created.emailed && ' It has also been e-mailed to its owner.'}
      </p>
      <button type="button" className="secondary" onClick={props.onDone}>
        I have copied it
      </button>
    </section>
  );
}
