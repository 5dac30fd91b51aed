import { useEffect, useState } from 'react';
import { api, type Settings } from '../api';
import {
  CheckboxField,
  ConfirmDialog,
  FormError,
  FormSection,
  SelectField,
  TextField,
  formatTime,
  splitList,
  useLoad,
  useNotice,
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
export function SettingsPage(props: { onSaved: (settings: Settings) => void }) {
  const loaded = useLoad(() => api<Settings>('GET', '/v1/admin/settings'), []);
  const [form, setForm] = useState<Settings | undefined>();
  const [saved, setSaved] = useState<Settings | undefined>();
  const [maxLifetime, setMaxLifetime] = useState('');
  const [maxKeys, setMaxKeys] = useState('');
  const [proxies, setProxies] = useState('');
  const [confirming, setConfirming] = useState(false);
  const say = useNotice();

  useEffect(() => {
    const settings = loaded.value;
    if (settings === undefined) return;
    setForm(settings);
    setSaved(settings);
    setMaxLifetime(settings.maxKeyLifetime ?? '');
    setMaxKeys(settings.maxActiveKeysPerUser === null ? '' : String(settings.maxActiveKeysPerUser));
    setProxies(settings.trustedProxies.join(', '));
  }, [loaded.value]);

  if (form === undefined) return <FormError error={loaded.error} />;
  const set = (changes: Partial<Settings>) => setForm({ ...form, ...changes });

  const save = async () => {
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
    setSaved(updated);
    props.onSaved(updated);
    return `Settings saved (version ${updated.version}, ${formatTime(updated.updatedAt)}).`;
  };

  return (
    <>
      <FormSection
        title="Settings"
        plain
        className="settings"
        submitLabel="Save settings"
        fields={FIELDS}
        onSubmit={async () => {
          // Switching off lets every request through: asked first, and the dialog saves.
          if (saved?.enabled === true && !form.enabled) setConfirming(true);
          else return save();
        }}
      >
        <fieldset>
          <legend>Switches</legend>
          <CheckboxField
            label="Portcullis checks requests"
            name="enabled"
            checked={form.enabled}
            onChange={(enabled) => set({ enabled })}
            hint="Off: every request passes unchecked, with no identity. For emergencies only."
          />
          <CheckboxField
            label="Refuse Basic passwords that are not Portcullis keys"
            name="disablePasswordBasicAuth"
            checked={form.disablePasswordBasicAuth}
            onChange={(disablePasswordBasicAuth) => set({ disablePasswordBasicAuth })}
          />
          <CheckboxField
            label="Users may create their own keys"
            name="allowSelfServiceKeys"
            checked={form.allowSelfServiceKeys}
            onChange={(allowSelfServiceKeys) => set({ allowSelfServiceKeys })}
          />
        </fieldset>
        <fieldset>
          <legend>Keys</legend>
          <TextField
            label="Maximum key lifetime"
            name="maxKeyLifetime"
            value={maxLifetime}
            onChange={setMaxLifetime}
            placeholder="no limit"
            hint="For example 90 days, 1 year; empty for no limit"
          />
          <TextField
            label="Most active keys per user"
            name="maxActiveKeysPerUser"
            type="number"
            value={maxKeys}
            onChange={setMaxKeys}
            placeholder="no limit"
          />
        </fieldset>
        <fieldset>
          <legend>Proxies and headers</legend>
          <TextField
            label="Trusted proxies"
            name="trustedProxies"
            value={proxies}
            onChange={setProxies}
            hint="Addresses or CIDR ranges whose X-Forwarded-For (and X-Forwarded-Proto) is believed"
          />
          <SelectField
            label="Identity header style"
            name="identityHeaderStyle"
            value={form.identityHeaderStyle}
            onChange={(identityHeaderStyle) => set({ identityHeaderStyle })}
            options={[
              ['x-auth', 'x-auth (X-Auth-User, X-Auth-Email, X-Auth-Groups)'],
              ['oauth2-proxy', 'oauth2-proxy (X-Auth-Request-User, ...)'],
              ['authelia', 'authelia (Remote-User, ...)'],
              ['kong', 'kong (X-Consumer-Username, ...)'],
            ]}
          />
        </fieldset>
      </FormSection>
      {confirming && (
        <ConfirmDialog
          title="Switch Portcullis off?"
          detail={
            <p className="warning">
              Every request will pass unchecked, with no identity, until it is switched on again.
            </p>
          }
          confirmLabel="Switch off and save"
          onConfirm={async () => say(await save())}
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}
