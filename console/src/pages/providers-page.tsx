import { useState, type FormEvent } from 'react';
import { api, type Attributes, type Page, type Provider } from '../api';
import {
  CheckboxField,
  FormError,
  SelectField,
  TextField,
  useAction,
  useLoad,
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

/** Identity providers: add one from a preset, test it, and pick the attribute that names users. */
export function ProvidersPage() {
  const providers = useLoad(() => api<Page<Provider>>('GET', '/v1/admin/providers?limit=200'), []);
  const rowAction = useAction();
  const [testing, setTesting] = useState<Provider | undefined>();
  return (
    <>
      <CreateProviderForm onCreated={providers.reload} />
      <section aria-labelledby="providers-title">
        <h2 id="providers-title">Providers</h2>
        <FormError error={providers.error ?? rowAction.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Preset</th>
                <th scope="col">Checks tokens by</th>
                <th scope="col">Username attribute</th>
                <th scope="col">Console sign-in</th>
                <th scope="col">Redirect URIs (register them at the provider)</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {providers.value?.items.map((provider) => (
                <tr key={provider.id}>
                  <td>
                    {provider.name}
                    {!provider.enabled && ' (disabled)'}
                  </td>
                  <td>{provider.preset}</td>
                  <td>{provider.validation}</td>
                  <td>
                    <code>{provider.usernameAttribute}</code>
                  </td>
                  <td>{provider.consoleSignIn ? 'offered' : 'no'}</td>
                  <td>
                    <code className="id">{provider.redirectUri}</code>
                    {provider.consoleSignIn && (
                      <>
                        <br />
                        <code className="id">{provider.consoleRedirectUri}</code>
                      </>
                    )}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${provider.consoleSignIn ? 'Stop offering' : 'Offer'} ${provider.name} for console sign-in`}
                      onClick={() =>
                        void rowAction.run(async () => {
                          await api('PATCH', `/v1/admin/providers/${provider.id}`, {
                            consoleSignIn: !provider.consoleSignIn,
                          });
                          providers.reload();
                        })
                      }
                    >
                      {provider.consoleSignIn ? 'No console sign-in' : 'Console sign-in'}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setTesting(provider)}
                    >
                      Test
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${provider.name}`}
                      onClick={() =>
                        void rowAction.run(async () => {
                          if (!window.confirm(`Delete the provider ${provider.name}?`)) return;
                          await api('DELETE', `/v1/admin/providers/${provider.id}`);
                          setTesting(undefined);
                          providers.reload();
                        })
                      }
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
      {testing !== undefined && (
        <TestProvider key={testing.id} provider={testing} onChanged={providers.reload} />
      )}
    </>
  );
}

function CreateProviderForm(props: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [preset, setPreset] = useState('okta');
  const [parameters, setParameters] = useState<Record<string, string>>({});
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [validation, setValidation] = useState('auto');
  const [discover, setDiscover] = useState(true);
  const [consoleSignIn, setConsoleSignIn] = useState(false);
  const { error, busy, run } = useAction();
  const fields = PRESET_FIELDS[preset] ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const given = Object.fromEntries(
        fields
          .map(([field]) => [field, (parameters[field] ?? '').trim()] as const)
          .filter(([, value]) => value !== ''),
      );
      await api('POST', '/v1/admin/providers', {
        name: name.trim(),
        preset,
        ...(Object.keys(given).length > 0 && { parameters: given }),
        ...(preset === 'custom' && issuer.trim() !== '' && { issuer: issuer.trim() }),
        clientId: clientId.trim(),
        ...(clientSecret !== '' && { clientSecret }),
        validation,
        discover,
        consoleSignIn,
      });
      setName('');
      setClientSecret('');
      props.onCreated();
    });
  };

  return (
    <section aria-labelledby="create-provider-title">
      <h2 id="create-provider-title">Add a provider</h2>
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError
          error={error}
          fields={[
            'name',
            'preset',
            'parameters',
            'issuer',
            'clientId',
            'clientSecret',
            'validation',
            'consoleSignIn',
          ]}
        />
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          error={error}
          required
        />
        <SelectField
          label="Preset"
          name="preset"
          value={preset}
          onChange={setPreset}
          error={error}
          options={Object.keys(PRESET_FIELDS)}
        />
        {fields.map(([field, label, hint]) => (
          <TextField
            key={`${preset}-${field}`}
            label={label}
            name={`parameters/${field}`}
            value={parameters[field] ?? ''}
            onChange={(value) => setParameters({ ...parameters, [field]: value })}
            error={error}
            placeholder={hint}
          />
        ))}
        {preset === 'custom' && (
          <TextField
            label="Issuer"
            name="issuer"
            value={issuer}
            onChange={setIssuer}
            error={error}
            placeholder="https://idp.example.com"
            hint="Its endpoints are read from the issuer's discovery document"
          />
        )}
        <TextField
          label="Client id"
          name="clientId"
          value={clientId}
          onChange={setClientId}
          error={error}
          required
        />
        <TextField
          label="Client secret"
          name="clientSecret"
          type="password"
          value={clientSecret}
          onChange={setClientSecret}
          error={error}
          hint="Stored encrypted, never shown again"
        />
        <SelectField
          label="Check tokens by"
          name="validation"
          value={validation}
          onChange={setValidation}
          error={error}
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
          error={error}
        />
        <CheckboxField
          label="Offer it for signing in to this console"
          name="consoleSignIn"
          checked={consoleSignIn}
          onChange={setConsoleSignIn}
          error={error}
          hint="Admins then sign in with it; register its console redirect URI at the provider too"
        />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            Add provider
          </button>
        </div>
      </form>
    </section>
  );
}

/** The test flow: log in at the provider, or paste a token; then pick the username attribute. */
function TestProvider(props: { provider: Provider; onChanged: () => void }) {
  const [token, setToken] = useState('');
  const [found, setFound] = useState<Attributes | undefined>();
  const preview = useAction();
  const choose = useAction();
  const [chosen, setChosen] = useState<string | undefined>();
  const [seen, setSeen] = useState<string[] | null | undefined>();
  const load = useAction();
  const id = props.provider.id;

  const use = (path: string) =>
    void choose.run(async () => {
      await api('PATCH', `/v1/admin/providers/${id}`, { usernameAttribute: path });
      setChosen(path);
      props.onChanged();
    });

  const showLastLogin = () =>
    void load.run(async () => {
      setFound(undefined);
      setSeen((await api<Provider>('GET', `/v1/admin/providers/${id}`)).lastAttributes);
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void preview.run(async () => {
      setFound(undefined);
      setFound(
        await api<Attributes>('POST', `/v1/admin/providers/${id}/preview`, {
          accessToken: token.trim(),
        }),
      );
    });
  };

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
        <>
          <FormError error={choose.error} />
          <div className="table-wrap">
            <table aria-label="Attributes of the last login">
              <thead>
                <tr>
                  <th scope="col">Attribute</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {seen.map((path) => (
                  <tr key={path}>
                    <td>
                      <code>{path}</code>
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Use ${path} as the username`}
                        onClick={() => use(path)}
                      >
                        Use as username
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <form onSubmit={submit} noValidate className="grid-form">
        <FormError error={preview.error} fields={['accessToken']} />
        <TextField
          label="Access token"
          name="accessToken"
          type="password"
          value={token}
          onChange={setToken}
          error={preview.error}
        />
        <div className="form-actions">
          <button type="submit" disabled={preview.busy}>
            Show its attributes
          </button>
        </div>
      </form>
      {found !== undefined && (
        <>
          <p>
            Users are named by <code>{found.usernameAttribute}</code>: this token is{' '}
            <strong>{found.usernameValue ?? 'nobody (the attribute is absent)'}</strong>.
          </p>
          <FormError error={choose.error} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Attribute</th>
                  <th scope="col">Value</th>
                  <th scope="col">From</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {found.attributes.map((attribute) => (
                  <tr key={`${attribute.source}-${attribute.path}`}>
                    <td>
                      <code>{attribute.path}</code>
                    </td>
                    <td>
                      <code className="details">{JSON.stringify(attribute.value)}</code>
                    </td>
                    <td>{attribute.source}</td>
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Use ${attribute.path} (from ${attribute.source}) as the username`}
                        onClick={() => use(attribute.path)}
                      >
                        Use as username
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p aria-live="polite" className="hint">
        {chosen !== undefined && `Users are now named by ${chosen}.`}
      </p>
    </section>
  );
}
