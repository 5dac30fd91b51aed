import { useState } from 'react';
import { api, type Attributes, type Provider } from '../api';
import {
  CheckboxField,
  ConfirmButton,
  DataTable,
  DeleteButton,
  FormError,
  FormSection,
  PagedTable,
  SelectField,
  TextField,
  useAction,
  useNotice,
  usePagedList,
  type Column,
} from '../components';

/** What each preset asks for (the rest it fills in itself); custom asks for the issuer. */
const PRESET_FIELDS: Record<string, readonly [name: string, label: string, hint?: string][]> = {
  azure: [['tenant', 'Tenant', 'The directory (tenant) id or domain']],
  okta: [
    ['domain', 'Domain', 'example.okta.com'],
    ['authorizationServer', 'Authorization server', 'default'],
  ],
  google: [],
  keycloak: [
    ['baseUrl', 'Base URL', 'https://sso.example.com'],
    ['realm', 'Realm'],
  ],
  auth0: [['domain', 'Domain', 'example.eu.auth0.com']],
  cognito: [
    ['region', 'Region', 'eu-west-1'],
    ['userPoolId', 'User pool id', 'eu-west-1_AbC123'],
    ['domain', 'Hosted UI domain'],
  ],
  github: [],
  gitlab: [['baseUrl', 'Base URL', 'https://gitlab.com (the default)']],
  custom: [],
};

const PROVIDER_COLUMNS: readonly Column<Provider>[] = [
  { header: 'Name', cell: (p) => `${p.name}${p.enabled ? '' : ' (disabled)'}` },
  { header: 'Preset', cell: (p) => p.preset },
  { header: 'Checks tokens by', cell: (p) => p.validation },
  { header: 'Username attribute', cell: (p) => <code>{p.usernameAttribute}</code> },
  { header: 'Console sign-in', cell: (p) => (p.consoleSignIn ? 'offered' : 'no') },
  {
    header: 'Redirect URIs (register them at the provider)',
    cell: (p) => (
      <>
        <code className="id">{p.redirectUri}</code>
        {p.consoleSignIn && (
          <>
            <br />
            <code className="id">{p.consoleRedirectUri}</code>
          </>
        )}
      </>
    ),
  },
];

/** Identity providers: add one from a preset, test it, and pick the attribute that names users. */
export function ProvidersPage() {
  const providers = usePagedList<Provider>('/v1/admin/providers');
  const toggle = useAction();
  const say = useNotice();
  const [testing, setTesting] = useState<Provider | undefined>();
  const toggleSignIn = (provider: Provider) =>
    void toggle.run(async () => {
      await api('PATCH', `/v1/admin/providers/${provider.id}`, {
        consoleSignIn: !provider.consoleSignIn,
      });
      say(
        provider.consoleSignIn
          ? `${provider.name} is no longer offered for console sign-in.`
          : `${provider.name} is offered for console sign-in.`,
      );
      providers.reload();
    });
  return (
    <>
      <CreateProviderForm onCreated={providers.reload} />
      <FormError error={toggle.error} />
      <PagedTable
        title="Providers"
        list={providers}
        rowKey={(provider) => provider.id}
        columns={PROVIDER_COLUMNS}
        empty="No identity providers yet."
        actions={(provider) => (
          <>
            <button
              type="button"
              className="secondary"
              aria-label={`${provider.consoleSignIn ? 'Stop offering' : 'Offer'} ${provider.name} for console sign-in`}
              onClick={() => toggleSignIn(provider)}
            >
              {provider.consoleSignIn ? 'No console sign-in' : 'Console sign-in'}
            </button>
            <button
              type="button"
              className="secondary"
              aria-label={`Test ${provider.name}`}
              onClick={() => setTesting(provider)}
            >
              Test
            </button>
            <DeleteButton
              path={`/v1/admin/providers/${provider.id}`}
              what={`the identity provider ${provider.name}`}
              name={provider.name}
              detail="Its tokens are refused from now on, and it is no longer offered for sign-in."
              onDeleted={() => {
                setTesting(undefined);
                providers.reload();
              }}
            />
          </>
        )}
      />
      {testing !== undefined && (
        <TestProvider key={testing.id} provider={testing} onChanged={providers.reload} />
      )}
    </>
  );
}

/**
 * The endpoints a custom provider without discovery must be given by hand (the API's field
 * names), with discovery they override what it found.
 */
const ENDPOINT_FIELDS = [
  ['jwksUri', 'JWKS URI', 'https://idp.example.com/.well-known/jwks.json'],
  ['userinfoEndpoint', 'Userinfo endpoint', 'https://idp.example.com/userinfo'],
  ['introspectionEndpoint', 'Introspection endpoint', 'https://idp.example.com/introspect'],
  ['authorizationEndpoint', 'Authorization endpoint', 'for the test login'],
  ['tokenEndpoint', 'Token endpoint', 'for the test login'],
] as const;

function CreateProviderForm(props: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [preset, setPreset] = useState('okta');
  const [parameters, setParameters] = useState<Record<string, string>>({});
  const [endpoints, setEndpoints] = useState<Record<string, string>>({});
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [validation, setValidation] = useState('auto');
  const [discover, setDiscover] = useState(true);
  const [consoleSignIn, setConsoleSignIn] = useState(false);
  const fields = PRESET_FIELDS[preset] ?? [];
  const custom = preset === 'custom';
  const given = (names: readonly string[], values: Record<string, string>) =>
    Object.fromEntries(
      names.map((field) => [field, (values[field] ?? '').trim()]).filter(([, v]) => v !== ''),
    );

  return (
    <FormSection
      title="Add a provider"
      submitLabel="Add provider"
      fields={[
        'name',
        'preset',
        'parameters',
        'issuer',
        ...ENDPOINT_FIELDS.map(([field]) => field),
        'clientId',
        'clientSecret',
        'validation',
        'consoleSignIn',
      ]}
      onSubmit={async () => {
        const presetParameters = given(
          fields.map(([field]) => field),
          parameters,
        );
        const created = await api<Provider>('POST', '/v1/admin/providers', {
          name: name.trim(),
          preset,
          ...(Object.keys(presetParameters).length > 0 && { parameters: presetParameters }),
          ...(custom && issuer.trim() !== '' && { issuer: issuer.trim() }),
          ...(custom &&
            given(
              ENDPOINT_FIELDS.map(([field]) => field),
              endpoints,
            )),
          clientId: clientId.trim(),
          ...(clientSecret !== '' && { clientSecret }),
          validation,
          discover,
          consoleSignIn,
        });
        setName('');
        setClientSecret('');
        props.onCreated();
        return `Provider ${created.name} added.`;
      }}
    >
      <TextField label="Name" name="name" value={name} onChange={setName} required />
      <SelectField
        label="Preset"
        name="preset"
        value={preset}
        onChange={setPreset}
        options={Object.keys(PRESET_FIELDS)}
      />
      {fields.map(([field, label, hint]) => (
        <TextField
          key={`${preset}-${field}`}
          label={label}
          name={`parameters/${field}`}
          value={parameters[field] ?? ''}
          onChange={(value) => setParameters({ ...parameters, [field]: value })}
          placeholder={hint}
        />
      ))}
      {custom && (
        <TextField
          label="Issuer"
          name="issuer"
          value={issuer}
          onChange={setIssuer}
          placeholder="https://idp.example.com"
          hint={
            discover
              ? "Its endpoints are read from the issuer's discovery document"
              : 'The iss of its tokens; give its endpoints below'
          }
        />
      )}
      {custom &&
        !discover &&
        ENDPOINT_FIELDS.map(([field, label, hint]) => (
          <TextField
            key={field}
            label={label}
            name={field}
            value={endpoints[field] ?? ''}
            onChange={(value) => setEndpoints({ ...endpoints, [field]: value })}
            placeholder={hint}
          />
        ))}
      <TextField
        label="Client id"
        name="clientId"
        value={clientId}
        onChange={setClientId}
        required
      />
      <TextField
        label="Client secret"
        name="clientSecret"
        type="password"
        value={clientSecret}
        onChange={setClientSecret}
        hint="Stored encrypted, never shown again"
      />
      <SelectField
        label="Check tokens by"
        name="validation"
        value={validation}
        onChange={setValidation}
        options={[
          ['auto', 'auto: JWTs locally, other tokens at the provider'],
          ['jwt', 'jwt: signature against the provider’s keys'],
          ['userinfo', 'userinfo: ask the provider'],
          ['introspection', 'introspection (RFC 7662)'],
        ]}
      />
      <CheckboxField
        label="Read the provider's discovery document"
        name="discover"
        checked={discover}
        onChange={setDiscover}
        hint={custom && !discover ? 'Off: the endpoints are the ones given here' : undefined}
      />
      <CheckboxField
        label="Offer it for signing in to this console"
        name="consoleSignIn"
        checked={consoleSignIn}
        onChange={setConsoleSignIn}
        hint="Admins then sign in with it; register its console redirect URI at the provider too"
      />
    </FormSection>
  );
}

/** The test flow: log in at the provider, or paste a token; then pick the username attribute. */
function TestProvider(props: { provider: Provider; onChanged: () => void }) {
  const [token, setToken] = useState('');
  const [found, setFound] = useState<Attributes | undefined>();
  const [seen, setSeen] = useState<string[] | null | undefined>();
  // The mapping in force: the summary line says it, and changes with "Use as username".
  const [mapping, setMapping] = useState(props.provider.usernameAttribute);
  const load = useAction();
  const id = props.provider.id;

  const usernameConfirmation = (path: string, source?: string) => ({
    'aria-label': `Use ${path}${source === undefined ? '' : ` (from ${source})`} as the username`,
    title: `Name the users of ${props.provider.name} by ${path}?`,
    detail: (
      <p>
        Now they are named by <code>{mapping}</code>. From now on a token is the Portcullis user
        whose username equals its <code>{path}</code>; tokens of users named otherwise are refused.
      </p>
    ),
    confirmLabel: `Use ${path}`,
    done: `Users of ${props.provider.name} are now named by ${path}.`,
    onConfirm: async () => {
      await api('PATCH', `/v1/admin/providers/${id}`, { usernameAttribute: path });
      setMapping(path);
      props.onChanged();
    },
  });

  const showLastLogin = () =>
    void load.run(async () => {
      setFound(undefined);
      setSeen((await api<Provider>('GET', `/v1/admin/providers/${id}`)).lastAttributes);
    });

  // Who the pasted token is under the mapping in force, even after it changed.
  const named = found?.attributes.find((attribute) => attribute.path === mapping);

  return (
    <section aria-labelledby="test-provider-title">
      <h2 id="test-provider-title">Test {props.provider.name}</h2>
      <p>
        <a href={`/v1/admin/providers/${id}/test`} target="_blank" rel="noopener noreferrer">
          Log in at the provider
        </a>{' '}
        (in a new tab, which shows every attribute it gives with its value; then come back and{' '}
        <button type="button" className="secondary" onClick={showLastLogin} disabled={load.busy}>
          Show the attributes of the last login
        </button>
        ), or paste an access token it issued:
      </p>
      <FormError error={load.error} />
      {seen === null && <p className="hint">No login or token has been tested yet.</p>}
      {seen !== undefined && seen !== null && found === undefined && (
        <DataTable
          label="Attributes of the last login"
          rows={seen}
          rowKey={(path) => path}
          columns={[{ header: 'Attribute', cell: (path) => <code>{path}</code> }]}
          actions={(path) => (
            <ConfirmButton className="secondary" {...usernameConfirmation(path)}>
              Use as username
            </ConfirmButton>
          )}
        />
      )}
      <FormSection
        title="Paste a token"
        plain
        submitLabel="Show its attributes"
        fields={['accessToken']}
        onSubmit={async () => {
          setFound(undefined);
          setFound(
            await api<Attributes>('POST', `/v1/admin/providers/${id}/preview`, {
              accessToken: token.trim(),
            }),
          );
        }}
        after={
          found !== undefined && (
            <>
              <p data-testid="username-summary">
                Users are named by <code>{mapping}</code>: this token is{' '}
                <strong>
                  {named === undefined ? 'nobody (the attribute is absent)' : String(named.value)}
                </strong>
                .
              </p>
              {found.notes.map((note) => (
                <p className="warning" key={note}>
                  {note}
                </p>
              ))}
              <DataTable
                label="Attributes of the token"
                rows={found.attributes}
                rowKey={(attribute) => `${attribute.source}-${attribute.path}`}
                columns={[
                  { header: 'Attribute', cell: (a) => <code>{a.path}</code> },
                  {
                    header: 'Value',
                    cell: (a) => <code className="details">{JSON.stringify(a.value)}</code>,
                  },
                  { header: 'From', cell: (a) => a.source },
                ]}
                actions={(attribute) => (
                  <ConfirmButton
                    className="secondary"
                    {...usernameConfirmation(attribute.path, attribute.source)}
                  >
                    Use as username
                  </ConfirmButton>
                )}
              />
            </>
          )
        }
      >
        <TextField
          label="Access token"
          name="accessToken"
          type="password"
          value={token}
          onChange={setToken}
        />
      </FormSection>
    </section>
  );
}
