import { useEffect, useState, type FormEvent } from 'react';
import { api, type Settings } from '../api';
import {
  CheckboxField,
  FormError,
  SelectField,
  TextField,
  formatTime,
  splitList,
  useAction,
  useLoad,
} from '../components';

const FIELDS = [
  'enabled',
  'disablePasswordBasicAuth',
  'allowSelfServiceKeys',
  'maxKeyLifetime',
  'maxActiveKeysPerUser',
  'trustedProxies',
  'identityHeaderStyle',
];

/** The global switches, key limits, trusted proxies and identity header style. */
export function SettingsPage() {
  const loaded = useLoad(() => api<Settings>('GET', '/v1/admin/settings'), []);
  const [form, setForm] = useState<Settings | undefined>();
  const [maxLifetime, setMaxLifetime] = useState('');
  const [maxKeys, setMaxKeys] = useState('');
  const [proxies, setProxies] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();

  useEffect(() => {
    const settings = loaded.value;
    if (settings === undefined) return;
    setForm(settings);
    setMaxLifetime(settings.maxKeyLifetime ?? '');
    setMaxKeys(settings.maxActiveKeysPerUser === null ? '' : String(settings.maxActiveKeysPerUser));
    setProxies(settings.trustedProxies.join(', '));
  }, [loaded.value]);

  if (form === undefined) return <FormError error={loaded.error} />;
  const set = (changes: Partial<Settings>) => {
    setSaved(false);
    setForm({ ...form, ...changes });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
      const updated = await api<Settings>('PATCH', '/v1/admin/settings', {
        enabled: form.enabled,
        disablePasswordBasicAuth: form.disablePasswordBasicAuth,
        allowSelfServiceKeys: form.allowSelfServiceKeys,
        maxKeyLifetime: maxLifetime.trim() === '' ? null : maxLifetime.trim(),
        maxActiveKeysPerUser: maxKeys.trim() === '' ? null : Number(maxKeys),
        trustedProxies: splitList(proxies),
        identityHeaderStyle: form.identityHeaderStyle,
      });
      setForm(updated);
      setSaved(true);
    });
  };

  return (
    <form onSubmit={submit} noValidate className="settings">
      <FormError error={error} fields={FIELDS} />
      <fieldset>
        <legend>Switches</legend>
        <CheckboxField
          label="Portcullis checks requests"
          name="enabled"
          checked={form.enabled}
          onChange={(enabled) => set({ enabled })}
          error={error}
          hint="Off: every request passes unchecked, with no identity. For emergencies only."
        />
        <CheckboxField
          label="Refuse Basic passwords that are not Portcullis keys"
          name="disablePasswordBasicAuth"
          checked={form.disablePasswordBasicAuth}
          onChange={(disablePasswordBasicAuth) => set({ disablePasswordBasicAuth })}
          error={error}
        />
        <CheckboxField
          label="Users may create their own keys"
          name="allowSelfServiceKeys"
          checked={form.allowSelfServiceKeys}
          onChange={(allowSelfServiceKeys) => set({ allowSelfServiceKeys })}
          error={error}
        />
      </fieldset>
      <fieldset>
        <legend>Keys</legend>
        <TextField
          label="Maximum key lifetime"
          name="maxKeyLifetime"
          value={maxLifetime}
          onChange={(value) => {
            setSaved(false);
            setMaxLifetime(value);
          }}
          error={error}
          placeholder="no limit"
          hint="For example 90 days, 1 year; empty for no limit"
        />
        <TextField
          label="Most active keys per user"
          name="maxActiveKeysPerUser"
          type="number"
          value={maxKeys}
          onChange={(value) => {
            setSaved(false);
            setMaxKeys(value);
          }}
          error={error}
          placeholder="no limit"
        />
      </fieldset>
      <fieldset>
        <legend>Proxies and headers</legend>
        <TextField
          label="Trusted proxies"
          name="trustedProxies"
          value={proxies}
          onChange={(value) => {
            setSaved(false);
            setProxies(value);
          }}
          error={error}
          hint="Addresses or CIDR ranges whose X-Forwarded-For (and X-Forwarded-Proto) is believed"
        />
        <SelectField
          label="Identity header style"
          name="identityHeaderStyle"
          value={form.identityHeaderStyle}
          onChange={(identityHeaderStyle) => set({ identityHeaderStyle })}
          error={error}
          options={[
            ['x-auth', 'x-auth (X-Auth-User, X-Auth-Email, X-Auth-Groups)'],
            ['oauth2-proxy', 'oauth2-proxy (X-Auth-Request-User, ...)'],
            ['authelia', 'authelia (Remote-User, ...)'],
            ['kong', 'kong (X-Consumer-Username, ...)'],
          ]}
        />
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          Save settings
        </button>
        <span aria-live="polite" className="hint">
          {saved && `Saved (version ${form.version}, ${formatTime(form.updatedAt)}).`}
        </span>
      </div>
    </form>
  );
}
