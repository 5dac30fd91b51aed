import { useState } from 'react';
import {
  api,
  type Decision,
  type Requirements,
  type Rule,
  type RuleEffect,
  type RuleList,
} from '../api';
import {
  ConfirmButton,
  DataTable,
  DeleteButton,
  FormError,
  FormSection,
  SelectField,
  TextField,
  splitList,
  useAction,
  useLoad,
  useNotice,
  type Column,
} from '../components';

const EFFECTS: readonly RuleEffect[] = ['authenticated', 'public', 'bypass', 'deny'];

/** One requirement block as text fields: comma-separated lists. */
interface BlockText {
  anyGroups: string;
  allGroups: string;
  readOnlyGroups: string;
  fullAccessGroups: string;
  ipRanges: string;
  scopes: string;
}
const BLOCK_FIELDS = Object.keys({
  anyGroups: '',
  allGroups: '',
  readOnlyGroups: '',
  fullAccessGroups: '',
  ipRanges: '',
  scopes: '',
} satisfies BlockText) as (keyof BlockText)[];
const BLOCK_LABELS: Record<keyof BlockText, string> = {
  anyGroups: 'In one of the groups',
  allGroups: 'In all of the groups',
  readOnlyGroups: 'Read-only groups',
  fullAccessGroups: 'Full-access groups',
  ipRanges: 'IP ranges',
  scopes: 'Scopes',
};

function blockText(block: Requirements | undefined): BlockText {
  const text = (list: string[] | undefined) => (list ?? []).join(', ');
  return {
    anyGroups: text(block?.anyGroups),
    allGroups: text(block?.allGroups),
    readOnlyGroups: text(block?.readOnlyGroups),
    fullAccessGroups: text(block?.fullAccessGroups),
    ipRanges: text(block?.ipRanges),
    scopes: text(block?.scopes),
  };
}

/** The block the fields describe; none when every field is empty. */
function blockOf(text: BlockText): Requirements[] {
  const block: Requirements = {};
  for (const field of BLOCK_FIELDS) {
    const list = splitList(text[field]);
    if (list.length > 0) block[field] = list;
  }
  return Object.keys(block).length === 0 ? [] : [block];
}

/** What a rule asks of a caller, in a few words. */
function describeRequirements(blocks: readonly Requirements[]): string {
  const parts = blocks.flatMap((block) => [
    ...(block.anyGroups ? [`one of ${block.anyGroups.join(', ')}`] : []),
    ...(block.allGroups ? [`all of ${block.allGroups.join(', ')}`] : []),
    ...(block.readOnlyGroups ? [`${block.readOnlyGroups.join(', ')} read-only`] : []),
    ...(block.ipRanges ? [`from ${block.ipRanges.join(', ')}`] : []),
    ...(block.scopes ? [`scopes ${block.scopes.join(' ')}`] : []),
    ...(block.claims ? [`${block.claims.length} claim condition(s)`] : []),
  ]);
  return parts.join('; ') || '—';
}

function describeMatch(rule: Rule): string {
  const { hosts, paths, methods } = rule.match;
  return [
    rule.ruleSet === null ? '' : `in rule set ${rule.ruleSet}`,
    methods.length === 0 ? 'any method' : methods.join(', '),
    paths.length === 0 ? 'any path' : paths.join(', '),
    hosts.length === 0 ? '' : `on ${hosts.join(', ')}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

const COLUMNS: readonly Column<Rule>[] = [
  { header: '#', cell: (rule) => rule.position },
  { header: 'Name', cell: (rule) => <code>{rule.name}</code> },
  { header: 'Requests', cell: describeMatch },
  {
    header: 'Effect',
    cell: (rule) => <span className={`badge ${rule.effect}`}>{rule.effect}</span>,
  },
  { header: 'Requires', cell: (rule) => describeRequirements(rule.require) },
];

/** A name not yet taken: `docs-copy`, `docs-copy-2`, ... */
function copyName(name: string, taken: readonly Rule[]): string {
  const names = new Set(taken.map((rule) => rule.name));
  const base = `${name.slice(0, 94)}-copy`;
  let candidate = base;
  for (let n = 2; names.has(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

/**
 * The ordered rules: the first that matches a request decides it. Edited in place, moved up and
 * down, duplicated and deleted; the lint warnings of the list; the default rule; and a request to
 * try, whose deciding rule the table points out.
 */
export function RulesPage() {
  const list = useLoad(() => api<RuleList>('GET', '/v1/admin/rules'), []);
  const [editing, setEditing] = useState<Rule | undefined>();
  const [decided, setDecided] = useState<string | undefined>();
  const move = useAction();
  const say = useNotice();
  const rules = list.value?.rules;

  const moveRule = (rule: Rule, placement: { before: string } | { after: string }) =>
    void move.run(async () => {
      await api('POST', `/v1/admin/rules/${rule.name}/move`, placement);
      list.reload();
      say(`Moved the rule ${rule.name}.`);
    });
  const duplicate = (rule: Rule) =>
    void move.run(async () => {
      const name = copyName(rule.name, rules ?? []);
      await api('POST', '/v1/admin/rules', {
        name,
        match: rule.match,
        effect: rule.effect,
        require: rule.require,
        description: rule.description,
        ruleSet: rule.ruleSet,
        after: rule.name,
      });
      list.reload();
      say(`Duplicated the rule ${rule.name} as ${name}, just after it.`);
    });

  return (
    <>
      <TryRequest onDecided={setDecided} />
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">Rules, in order</h2>
        <p className="hint">
          The first rule that matches a request (by host, path and method) decides it; what none
          matches goes to the default rule, below.
        </p>
        <FormError error={list.error ?? move.error} />
        {(list.value?.warnings.length ?? 0) > 0 && (
          <div role="status" aria-label="Lint warnings">
            <ul className="warnings">
              {list.value!.warnings.map((warning) => (
                <li key={`${warning.rule}-${warning.code}`}>{warning.message}</li>
              ))}
            </ul>
          </div>
        )}
        <DataTable
          label="Rules"
          rows={rules}
          rowKey={(rule) => rule.name}
          columns={COLUMNS}
          empty="No rules: the default rule decides every request."
          current={(rule) => rule.name === decided}
          actions={(rule) => (
            <>
              <RowButton
                label={`Move ${rule.name} up`}
                disabled={rule.position === 1}
                onClick={() => moveRule(rule, { before: rules![rule.position - 2]!.name })}
              >
                Up
              </RowButton>
              <RowButton
                label={`Move ${rule.name} down`}
                disabled={rule.position === rules!.length}
                onClick={() => moveRule(rule, { after: rules![rule.position]!.name })}
              >
                Down
              </RowButton>
              <RowButton label={`Edit ${rule.name}`} onClick={() => setEditing(rule)}>
                Edit
              </RowButton>
              <RowButton label={`Duplicate ${rule.name}`} onClick={() => duplicate(rule)}>
                Duplicate
              </RowButton>
              <DeleteButton
                path={`/v1/admin/rules/${rule.name}`}
                what={`the rule ${rule.name}`}
                name={`rule ${rule.name}`}
                detail="Requests it decided go to the rules after it, or the default rule."
                onDeleted={list.reload}
              />
            </>
          )}
        />
      </section>
      <RuleForm
        key={editing?.name ?? 'new'}
        editing={editing}
        rules={rules ?? []}
        onDone={() => {
          setEditing(undefined);
          list.reload();
        }}
      />
      {list.value !== undefined && (
        <DefaultRuleForm
          key={JSON.stringify(list.value.defaultRule)}
          rule={list.value.defaultRule}
          onSaved={list.reload}
        />
      )}
    </>
  );
}

/** A new rule, or one being edited (its name, what it matches, its effect, one requirement block). */
/** A button of a rule's row, named after the rule for screen readers. */
function RowButton(props: {
  label: string;
  disabled?: boolean;
  onClick: () => void;
  children: string;
}) {
  return (
    <button
      type="button"
      className="secondary"
      aria-label={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/** Which list a rule belongs to, or a request is decided by: a set's name, empty for the global. */
function RuleSetField(props: { value: string; onChange: (value: string) => void; hint?: string }) {
  return (
    <TextField
      label="Rule set"
      name="ruleSet"
      value={props.value}
      onChange={props.onChange}
      placeholder="the global list"
      hint={props.hint}
    />
  );
}

function RuleForm(props: {
  editing: Rule | undefined;
  rules: readonly Rule[];
  onDone: () => void;
}) {
  const rule = props.editing;
  const [name, setName] = useState(rule?.name ?? '');
  const [effect, setEffect] = useState<string>(rule?.effect ?? 'authenticated');
  const [hosts, setHosts] = useState(rule?.match.hosts.join(', ') ?? '');
  const [paths, setPaths] = useState(rule?.match.paths.join(', ') ?? '');
  const [methods, setMethods] = useState(rule?.match.methods.join(', ') ?? '');
  const [ruleSet, setRuleSet] = useState(rule?.ruleSet ?? '');
  const [before, setBefore] = useState('');
  const [block, setBlock] = useState<BlockText>(blockText(rule?.require[0]));
  // Several blocks, or claim conditions, are more than these fields say: left as they are.
  const fixedRequirements =
    rule !== undefined && (rule.require.length > 1 || rule.require.some((b) => b.claims));
  const requires = effect === 'authenticated' || effect === 'public';

  return (
    <FormSection
      title={rule === undefined ? 'Add a rule' : `Edit the rule ${rule.name}`}
      submitLabel={rule === undefined ? 'Add rule' : 'Save rule'}
      fields={[
        'name',
        'effect',
        'match/hosts',
        'match/paths',
        'match/methods',
        'ruleSet',
        'before',
        'require',
      ]}
      actions={
        rule !== undefined && (
          <button type="button" className="secondary" onClick={props.onDone}>
            Cancel
          </button>
        )
      }
      onSubmit={async () => {
        const body = {
          name: name.trim(),
          effect,
          match: { hosts: splitList(hosts), paths: splitList(paths), methods: splitList(methods) },
          ruleSet: ruleSet.trim() === '' ? null : ruleSet.trim(),
          ...(!fixedRequirements && { require: requires ? blockOf(block) : [] }),
        };
        if (rule === undefined) {
          await api('POST', '/v1/admin/rules', { ...body, ...(before !== '' && { before }) });
        } else {
          await api('PATCH', `/v1/admin/rules/${rule.name}`, body);
        }
        setName('');
        setHosts('');
        setPaths('');
        setMethods('');
        setRuleSet('');
        setBlock(blockText(undefined));
        props.onDone();
        return rule === undefined ? `Added the rule ${body.name}.` : `Saved the rule ${body.name}.`;
      }}
    >
      <TextField label="Name" name="name" value={name} onChange={setName} required />
      <SelectField
        label="Effect"
        name="effect"
        value={effect}
        onChange={setEffect}
        options={EFFECTS}
      />
      <TextField
        label="Path patterns"
        name="match/paths"
        value={paths}
        onChange={setPaths}
        placeholder="any path"
        hint="Comma-separated: /status, /docs/*, /admin/**"
      />
      <TextField
        label="Methods"
        name="match/methods"
        value={methods}
        onChange={setMethods}
        placeholder="any method"
      />
      <TextField
        label="Hosts"
        name="match/hosts"
        value={hosts}
        onChange={setHosts}
        placeholder="any host"
      />
      <RuleSetField
        value={ruleSet}
        onChange={setRuleSet}
        hint="A named rule set decides only the routes whose proxy names it (docs/authorization.md)"
      />
      {rule === undefined && (
        <SelectField
          label="Place"
          name="before"
          value={before}
          onChange={setBefore}
          options={[
            ['', 'at the end'],
            ...props.rules.map((r) => [r.name, `before ${r.name}`] as const),
          ]}
        />
      )}
      {requires &&
        (fixedRequirements ? (
          <p className="hint">
            This rule has several requirement blocks or claim conditions (
            {describeRequirements(rule!.require)}): they are kept as they are; change them with the
            CLI, the API or a config file.
          </p>
        ) : (
          BLOCK_FIELDS.map((field) => (
            <TextField
              key={field}
              label={BLOCK_LABELS[field]}
              name={`require/0/${field}`}
              value={block[field]}
              onChange={(value) => setBlock({ ...block, [field]: value })}
              placeholder="—"
            />
          ))
        ))}
    </FormSection>
  );
}

/** What decides a request no rule matched: a valid credential (with requirements), or a refusal. */
function DefaultRuleForm(props: { rule: RuleList['defaultRule']; onSaved: () => void }) {
  const [effect, setEffect] = useState<string>(props.rule.effect);
  const [block, setBlock] = useState<BlockText>(blockText(props.rule.require[0]));
  const several = props.rule.require.length > 1;
  const save = async () => {
    await api('PUT', '/v1/admin/default-rule', {
      effect,
      require: effect === 'deny' ? [] : several ? props.rule.require : blockOf(block),
    });
    props.onSaved();
  };
  const form = (
    <>
      <SelectField
        label="Default effect"
        name="effect"
        value={effect}
        onChange={setEffect}
        options={[
          ['authenticated', 'authenticated: a valid credential'],
          ['deny', 'deny: refuse what no rule matched'],
        ]}
      />
      {effect === 'authenticated' &&
        !several &&
        BLOCK_FIELDS.map((field) => (
          <TextField
            key={field}
            label={BLOCK_LABELS[field]}
            name={`require/0/${field}`}
            value={block[field]}
            onChange={(value) => setBlock({ ...block, [field]: value })}
            placeholder="—"
          />
        ))}
    </>
  );
  // Switching to deny refuses every request no rule matches: asked first.
  if (effect === 'deny' && props.rule.effect !== 'deny') {
    return (
      <section aria-labelledby="default-rule-title">
        <h2 id="default-rule-title">The default rule</h2>
        <div className="grid-form">
          {form}
          <div className="form-actions">
            <ConfirmButton
              title="Refuse every request that no rule matches?"
              detail="Only what a rule lets through will pass: check that your rules cover every path your API serves."
              confirmLabel="Deny by default"
              done="The default rule now denies."
              onConfirm={save}
            >
              Save default rule
            </ConfirmButton>
          </div>
        </div>
      </section>
    );
  }
  return (
    <FormSection
      title="The default rule"
      submitLabel="Save default rule"
      fields={['effect', 'require']}
      onSubmit={async () => {
        await save();
        return 'Saved the default rule.';
      }}
    >
      {form}
    </FormSection>
  );
}

/** A made-up request, decided with explain: the decision, why, and the rule pointed out above. */
function TryRequest(props: { onDecided: (rule: string | undefined) => void }) {
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [host, setHost] = useState('');
  const [ip, setIp] = useState('');
  const [credential, setCredential] = useState('');
  const [ruleSet, setRuleSet] = useState('');
  const [decision, setDecision] = useState<Decision | undefined>();
  return (
    <FormSection
      title="Try a request"
      submitLabel="Ask for a decision"
      fields={['method', 'path', 'host', 'ip', 'ruleSet', 'credential']}
      onSubmit={async () => {
        setDecision(undefined);
        const answer = await api<Decision>('POST', '/v1/decisions', {
          method,
          path: path.trim(),
          explain: true,
          ...(host.trim() !== '' && { host: host.trim() }),
          ...(ip.trim() !== '' && { ip: ip.trim() }),
          ...(ruleSet.trim() !== '' && { ruleSet: ruleSet.trim() }),
          ...(credential.trim() !== '' && { credential: credential.trim() }),
        });
        setDecision(answer);
        props.onDecided(answer.rule ?? undefined);
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
      <RuleSetField value={ruleSet} onChange={setRuleSet} />
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

/** The decision "Try a request" got: allowed or denied, its reason and rule, as whom, and why. */
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
          {decision.trace !== undefined && (
            <ol className="trace" aria-label="Why">
              {decision.trace.map((step, index) => (
                <li key={index} className={step.result.replace(' ', '-')}>
                  {step.step} <code>{step.name}</code>: {step.result} — {step.detail}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
