import { useState } from 'react';
import { api, query, type AuditEvent, type Page } from '../api';
import { FormError, TextField, formatTime, useLoad } from '../components';

const PAGE_SIZE = 50;

/** Every change made through the admin API, newest first, with filters and paging. */
export function AuditPage() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [offset, setOffset] = useState(0);
  const events = useLoad(
    () =>
      api<Page<AuditEvent>>(
        'GET',
        `/v1/admin/audit${query({ actor: actor.trim(), action: action.trim(), limit: PAGE_SIZE, offset })}`,
      ),
    [actor, action, offset],
  );
  const page = events.value;
  return (
    <section aria-label="Audit events">
      <div className="filters">
        <TextField
          label="Actor"
          name="actor"
          value={actor}
          onChange={(value) => {
            setOffset(0);
            setActor(value);
          }}
          error={events.error}
          placeholder="any username"
        />
        <TextField
          label="Action"
          name="action"
          value={action}
          onChange={(value) => {
            setOffset(0);
            setAction(value);
          }}
          error={events.error}
          placeholder="key.revoke, or key."
        />
      </div>
      <FormError error={events.error} fields={['actor', 'action']} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Record</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {page?.items.map((event) => (
              <tr key={event.id}>
                <td>{formatTime(event.at)}</td>
                <td>{event.actorUsername ?? 'bootstrap'}</td>
                <td>
                  <code>{event.action}</code>
                </td>
                <td>
                  <code className="id">{event.targetId ?? '—'}</code>
                </td>
                <td>{event.ip ?? '—'}</td>
                <td>
                  <code className="details">{JSON.stringify(event.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page !== undefined && (
        <nav className="pager" aria-label="Audit pages">
          <button
            type="button"
            className="secondary"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          >
            Newer
          </button>
          <span>
            {page.total === 0
              ? 'No events'
              : `${offset + 1}–${offset + page.items.length} of ${page.total}`}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={offset + PAGE_SIZE >= page.total}
            onClick={() => setOffset(offset + PAGE_SIZE)}
          >
            Older
          </button>
        </nav>
      )}
    </section>
  );
}
