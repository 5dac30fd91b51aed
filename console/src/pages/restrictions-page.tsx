import { useState } from 'react';
import { api, type AccessRule, type Decision, type PathRule } from '../api';
import {
  DeleteButton,
  FormSection,
  PagedTable,
  SelectField,
  TextField,
  splitList,
  usePagedList,
  type Column,
  type PagedList,
} from '../components';

const ACCESS_RULE_COLUMNS: readonly Column<AccessRule>[] = [
  { header: 'Host', cell: (rule) => rule.host ?? 'every host' },
  { header: 'Allowed IPs', cell: (rule) => rule.allowedIps.join(', ') || 'any' },
  { header: 'Allowed groups', cell: (rule) => rule.allowedGroups.join(', ') || 'any' },
  { header: 'Read-only groups', cell: (rule) => rule.readOnlyGroups.join(', ') || '—' },
  { header: 'Full-access groups', cell: (rule) => rule.fullAccessGroups.join(', ') || '—' },
];

const PATH_RULE_COLUMNS: readonly Column<PathRule>[] = [
  {
    header: 'Access',
    cell: (rule) => <span className={`badge ${rule.access}`}>{rule.access}</span>,
  },
  { header: 'Pattern', cell: (rule) => <code>{rule.pattern}</code> },
  { header: 'Methods', cell: (rule) => rule.methods.join(', ') || 'all' },
  { header: 'Host', cell: (rule) => rule.host ?? 'every host' },
];

function describePathRule(rule: PathRule): string {
  return `the ${rule.access} path rule ${rule.pattern}${rule.host === null ? '' : ` on ${rule.host}`}`;
}

/** How a rule is named in the question before deleting it. */
function describeAccessRule(rule: AccessRule): string {
  const who = rule.allowedIps.length > 0 ? `from ${rule.allowedIps.join(', ')}` : 'from anywhere';
  return `the access rule for ${rule.host ?? 'every host'} (${who})`;
}

/** A list of rules, each deleted after a question that names it. */
function RuleTable<T extends { id: string }>(props: {
  title: string;
  intro: string;
  /** The rules' API path: `/v1/admin/path-rules`. */
  path: string;
  list: PagedList<T>;
  columns: readonly Column<T>[];
  empty: string;
  describe: (rule: T) => string;
}) {
  return (
    <PagedTable
      title={props.title}
      intro={props.intro}
      list={props.list}
      rowKey={(rule) => rule.id}
      columns={props.columns}
      empty={props.empty}
      actions={(rule) => (
        <DeleteButton
          path={`${props.path}/${rule.id}`}
          what={props.describe(rule)}
          name={props.describe(rule)}
          detail="Requests are decided without it from now on."
          onDeleted={props.list.reload}
        />
      )}
    />
  );
}

/** Path rules and access rules, and a box that asks for the decision on a made-up request. */
export function RestrictionsPage() {
  const pathRules = usePagedList<PathRule>('/v1/admin/path-rules');
  const accessRules = usePagedList<AccessRule>('/v1/admin/access-rules');

  return (
    <>
      <TryRequest />
      <AccessRuleForm onCreated={accessRules.reload} />
      <RuleTable
        title="Access rules"
        intro="Who may use the API: every rule that applies to a request must pass."
        path="/v1/admin/access-rules"
        list={accessRules}
        columns={ACCESS_RULE_COLUMNS}
        empty="No access rules: any authenticated user may use the API."
        describe={describeAccessRule}
      />
      <PathRuleForm onCreated={pathRules.reload} />
      <RuleTable
        title="Path rules"
        intro="Which requests need a credential: public paths, their restricted exceptions, and bypass paths that the API authenticates itself."
        path="/v1/admin/path-rules"
        list={pathRules}
        columns={PATH_RULE_COLUMNS}
        empty="No path rules: every request needs a credential."
        describe={describePathRule}
      />
    </>
  );
}

function AccessRuleForm(props: { onCreated: () => void }) {
  const [host, setHost] = useState('');
  const [ips, setIps] = useState('');
  const [allowed, setAllowed] = useState('');
  const [readOnly, setReadOnly] = useState('');
  const [fullAccess, setFullAccess] = useState('');
  return (
    <FormSection
      title="Add an access rule"
      submitLabel="Add access rule"
      fields={['host', 'allowedIps', 'allowedGroups', 'readOnlyGroups', 'fullAccessGroups']}
      onSubmit={async () => {
        const rule = await api<AccessRule>('POST', '/v1/admin/access-rules', {
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
        return `Added ${describeAccessRule(rule)}.`;
      }}
    >
      <TextField
        label="Host"
        name="host"
        value={host}
        onChange={setHost}
        placeholder="every host"
      />
      <TextField
        label="Allowed IP ranges"
        name="allowedIps"
        value={ips}
        onChange={setIps}
        placeholder="203.0.113.0/24, 2001:db8::/32"
        hint="Comma-separated addresses or CIDR ranges; empty: any address"
      />
      <TextField
        label="Allowed groups"
        name="allowedGroups"
        value={allowed}
        onChange={setAllowed}
        placeholder="any authenticated user"
      />
      <TextField
        label="Read-only groups"
        name="readOnlyGroups"
        value={readOnly}
        onChange={setReadOnly}
      />
      <TextField
        label="Full-access groups"
        name="fullAccessGroups"
        value={fullAccess}
        onChange={setFullAccess}
      />
    </FormSection>
  );
}

function PathRuleForm(props: { onCreated: () => void }) {
  const [access, setAccess] = useState('public');
  const [pattern, setPattern] = useState('');
  const [methods, setMethods] = useState('');
  const [host, setHost] = useState('');
  return (
    <FormSection
      title="Add a path rule"
      submitLabel="Add path rule"
      fields={['access', 'pattern', 'methods', 'host']}
      onSubmit={async () => {
        const rule = await api<PathRule>('POST', '/v1/admin/path-rules', {
          access,
          pattern: pattern.trim(),
          methods: splitList(methods.toUpperCase()),
          ...(host.trim() !== '' && { host: host.trim() }),
        });
        setPattern('');
        setMethods('');
        setHost('');
        props.onCreated();
        return `Added the ${rule.access} path rule ${rule.pattern}.`;
      }}
    >
      <SelectField
        label="Access"
        name="access"
        value={access}
        onChange={setAccess}
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
        placeholder="/docs/**"
        hint="/status exactly, /docs/* one segment below, /docs/** everything below"
      />
      <TextField
        label="Methods"
        name="methods"
        value={methods}
        onChange={setMethods}
        placeholder="every method"
      />
      <TextField
        label="Host"
        name="host"
        value={host}
        onChange={setHost}
        placeholder="every host"
      />
    </FormSection>
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
  return (
    <FormSection
      title="Try a request"
      submitLabel="Ask for a decision"
      fields={['method', 'path', 'host', 'ip', 'credential']}
      onSubmit={async () => {
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
      }}
      after={<DecisionShown decision={decision} />}
    >
      <SelectField
        label="Method"
        name="method"
        value={method}
        onChange={setMethod}
        options={['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']}
      />
      <TextField label="Path" name="path" value={path} onChange={setPath} />
      <TextField label="Host" name="host" value={host} onChange={setHost} placeholder="any" />
      <TextField
        label="Client IP"
        name="ip"
        value={ip}
        onChange={setIp}
        placeholder="203.0.113.7"
      />
      <TextField
        label="Credential (a key)"
        name="credential"
        type="password"
        value={credential}
        onChange={setCredential}
        hint="Sent as a bearer credential; leave empty for an anonymous request"
      />
    </FormSection>
  );
}

/** The decision "Try a request" got: allowed or denied, its reason and rule, and as whom. */
function DecisionShown(props: { decision: Decision | undefined }) {
  const decision = props.decision;
  return (
    <div aria-live="polite">
      {decision !== undefined && (
        <div
          className={`decision ${decision.allowed ? 'allowed' : 'denied'}`}
          data-testid="decision"
        >
          <p>
            <strong>{decision.allowed ? 'Allowed' : 'Denied'}</strong> ({decision.status}) — reason{' '}
            <code>{decision.reason}</code>
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
  );
}
