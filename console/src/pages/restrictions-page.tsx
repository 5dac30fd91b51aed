import { useState, type FormEvent } from 'react';
import { api, type AccessRule, type Decision, type Page, type PathRule } from '../api';
import { FormError, SelectField, TextField, splitList, useAction, useLoad } from '../components';

/** Path rules and access rules, and a box that asks for the decision on a made-up request. */
export function RestrictionsPage() {
  const pathRules = useLoad(() => api<Page<PathRule>>('GET', '/v1/admin/path-rules?limit=500'), []);
  const accessRules = useLoad(
    () => api<Page<AccessRule>>('GET', '/v1/admin/access-rules?limit=500'),
    [],
  );
  const remove = useAction();
  const deleteRule = (kind: 'path-rules' | 'access-rules', id: string) =>
    void remove.run(async () => {
      await api('DELETE', `/v1/admin/${kind}/${id}`);
      if (kind === 'path-rules') pathRules.reload();
      else accessRules.reload();
    });

  return (
    <>
      <TryRequest />
      <FormError error={remove.error} />
      <AccessRuleForm onCreated={accessRules.reload} />
      <section aria-labelledby="access-rules-title">
        <h2 id="access-rules-title">Access rules</h2>
        <p className="hint">Who may use the API: every rule that applies to a request must pass.</p>
        <FormError error={accessRules.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Allowed IPs</th>
                <th scope="col">Allowed groups</th>
                <th scope="col">Read-only groups</th>
                <th scope="col">Full-access groups</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accessRules.value?.items.map((rule) => (
                <tr key={rule.id}>
                  <td>{rule.host ?? 'every host'}</td>
                  <td>{rule.allowedIps.join(', ') || 'any'}</td>
                  <td>{rule.allowedGroups.join(', ') || 'any'}</td>
                  <td>{rule.readOnlyGroups.join(', ') || '—'}</td>
                  <td>{rule.fullAccessGroups.join(', ') || '—'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="danger"
                      onClick={() => deleteRule('access-rules', rule.id)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <PathRuleForm onCreated={pathRules.reload} />
      <section aria-labelledby="path-rules-title">
        <h2 id="path-rules-title">Path rules</h2>
        <p className="hint">
          Which requests need a credential: public paths, their restricted exceptions, and bypass
          paths that the API authenticates itself.
        </p>
        <FormError error={pathRules.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Access</th>
                <th scope="col">Pattern</th>
                <th scope="col">Methods</th>
                <th scope="col">Host</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pathRules.value?.items.map((rule) => (
                <tr key={rule.id}>
                  <td>
                    <span className={`badge ${rule.access}`}>{rule.access}</span>
                  </td>
                  <td>
                    <code>{rule.pattern}</code>
                  </td>
                  <td>{rule.methods.join(', ') || 'all'}</td>
                  <td>{rule.host ?? 'every host'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="danger"
                      onClick={() => deleteRule('path-rules', rule.id)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function AccessRuleForm(props: { onCreated: () => void }) {
  const [host, setHost] = useState('');
  const [ips, setIps] = useState('');
  const [allowed, setAllowed] = useState('');
  const [readOnly, setReadOnly] = useState('');
  const [fullAccess, setFullAccess] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('POST', '/v1/admin/access-rules', {
        ...(host.trim() !== '' && { host: host.trim() }),
        allowedIps: splitList(ips),
        allowedGroups: splitList(allowed),
        readOnlyGroups: splitList(readOnly),
        fullAccessGroups: splitList(fullAccess),
      });
      setHost('');
      setIps('');
      setAllowed('');
      setReadOnly('');
      setFullAccess('');
      props.onCreated();
    });
  };
  return (
    <section aria-labelledby="access-rule-form-title">
      <h2 id="access-rule-form-title">Add an access rule</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError
          error={error}
          fields={['host', 'allowedIps', 'allowedGroups', 'readOnlyGroups', 'fullAccessGroups']}
        />
        <TextField
          label="Host"
          name="host"
          value={host}
          onChange={setHost}
          error={error}
          placeholder="every host"
        />
        <TextField
          label="Allowed IP ranges"
          name="allowedIps"
          value={ips}
          onChange={setIps}
          error={error}
          placeholder="203.0.113.0/24, 2001:db8::/32"
          hint="Comma-separated addresses or CIDR ranges; empty: any address"
        />
        <TextField
          label="Allowed groups"
          name="allowedGroups"
          value={allowed}
          onChange={setAllowed}
          error={error}
          placeholder="any authenticated user"
        />
        <TextField
          label="Read-only groups"
          name="readOnlyGroups"
          value={readOnly}
          onChange={setReadOnly}
          error={error}
        />
        <TextField
          label="Full-access groups"
          name="fullAccessGroups"
          value={fullAccess}
          onChange={setFullAccess}
          error={error}
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Add access rule
          </button>
        </div>
      </form>
    </section>
  );
}

function PathRuleForm(props: { onCreated: () => void }) {
  const [access, setAccess] = useState('public');
  const [pattern, setPattern] = useState('');
  const [methods, setMethods] = useState('');
  const [host, setHost] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('POST', '/v1/admin/path-rules', {
        access,
        pattern: pattern.trim(),
        methods: splitList(methods.toUpperCase()),
        ...(host.trim() !== '' && { host: host.trim() }),
      });
      setPattern('');
      setMethods('');
      setHost('');
      props.onCreated();
    });
  };
  return (
    <section aria-labelledby="path-rule-form-title">
      <h2 id="path-rule-form-title">Add a path rule</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={['access', 'pattern', 'methods', 'host']} />
        <SelectField
          label="Access"
          name="access"
          value={access}
          onChange={setAccess}
          error={error}
          options={[
            ['public', 'Public: anonymous requests pass'],
            ['restricted', 'Restricted: a credential is needed even on a public path'],
            ['bypass', 'Bypass: passed unchecked, the API authenticates'],
          ]}
        />
        <TextField
          label="Path pattern"
          name="pattern"
          value={pattern}
          onChange={setPattern}
          error={error}
          placeholder="/docs/**"
          hint="/status exactly, /docs/* one segment below, /docs/** everything below"
        />
        <TextField
          label="Methods"
          name="methods"
          value={methods}
          onChange={setMethods}
          error={error}
          placeholder="every method"
        />
        <TextField
          label="Host"
          name="host"
          value={host}
          onChange={setHost}
          error={error}
          placeholder="every host"
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Add path rule
          </button>
        </div>
      </form>
    </section>
  );
}

/** "Try a request": POST /v1/decisions, as a proxy would ask, and the answer with its reason. */
function TryRequest() {
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [host, setHost] = useState('');
  const [ip, setIp] = useState('');
  const [credential, setCredential] = useState('');
  const [decision, setDecision] = useState<Decision | undefined>();
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      setDecision(undefined);
      setDecision(
        await api<Decision>('POST', '/v1/decisions', {
          method,
          path: path.trim(),
          ...(host.trim() !== '' && { host: host.trim() }),
          ...(ip.trim() !== '' && { ip: ip.trim() }),
          ...(credential.trim() !== '' && { credential: credential.trim() }),
        }),
      );
    });
  };
  return (
    <section aria-labelledby="try-title" className="try">
      <h2 id="try-title">Try a request</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={error} fields={['method', 'path', 'host', 'ip', 'credential']} />
        <SelectField
          label="Method"
          name="method"
          value={method}
          onChange={setMethod}
          error={error}
          options={['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']}
        />
        <TextField label="Path" name="path" value={path} onChange={setPath} error={error} />
        <TextField
          label="Host"
          name="host"
          value={host}
          onChange={setHost}
          error={error}
          placeholder="any"
        />
        <TextField
          label="Client IP"
          name="ip"
          value={ip}
          onChange={setIp}
          error={error}
          placeholder="203.0.113.7"
        />
        <TextField
          label="Credential (a key)"
          name="credential"
          type="password"
          value={credential}
          onChange={setCredential}
          error={error}
          hint="Sent as a bearer credential; leave empty for an anonymous request"
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Ask for a decision
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {decision !== undefined && (
          <div
            className={`decision ${decision.allowed ? 'allowed' : 'denied'}`}
            data-testid="decision"
          >
            <p>
              <strong>{decision.allowed ? 'Allowed' : 'Denied'}</strong> ({decision.status}) —
              reason <code>{decision.reason}</code>
              {decision.rule !== null && (
                <>
                  , rule <code>{decision.rule}</code>
                </>
              )}
            </p>
            {decision.identity !== null && (
              <p>
                As <strong>{decision.identity.username}</strong>
                {decision.identity.groups.length > 0 && ` (${decision.identity.groups.join(', ')})`}
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
