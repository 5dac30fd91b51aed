import { useState } from 'react';
import type { AuditEvent } from '../api';
import { PagedTable, TextField, formatTime, usePagedList, type Column } from '../components';

const AUDIT_COLUMNS: readonly Column<AuditEvent>[] = [
  { header: 'When', cell: (event) => formatTime(event.at) },
  { header: 'Who', cell: (event) => event.actorUsername ?? 'bootstrap' },
  { header: 'Action', cell: (event) => <code>{event.action}</code> },
  { header: 'Record', cell: (event) => <code className="id">{event.targetId ?? '—'}</code> },
  { header: 'From', cell: (event) => event.ip ?? '—' },
  {
    header: 'Details',
    cell: (event) => <code className="details">{JSON.stringify(event.details)}</code>,
  },
];

/** Every change made through the admin API, newest first, with filters and paging. */
export function AuditPage() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const events = usePagedList<AuditEvent>('/v1/admin/audit', {
    actor: actor.trim(),
    action: action.trim(),
  });
  return (
    <PagedTable
      title="Audit events"
      list={events}
      rowKey={(event) => event.id}
      columns={AUDIT_COLUMNS}
      empty="No events match."
      filterFields={['actor', 'action']}
      filters={
        <>
          <TextField
            label="Actor"
            name="actor"
            value={actor}
            onChange={setActor}
            placeholder="any username"
          />
          <TextField
            label="Action"
            name="action"
            value={action}
            onChange={setAction}
            placeholder="key.revoke, or key."
          />
        </>
      }
    />
  );
}
