import { useEffect, useState, type FormEvent } from 'react';
import { api, type Session } from '../api';
import { FormError, TextField, useAction } from '../components';

/**
 * What a failed sign-in through an identity provider means, by the reason code the service sends
 * back (`?sign-in-error=`). Only these sentences are ever shown: the URL cannot put text of its own
 * on this page.
 */
const SIGN_IN_ERRORS: Record<string, string> = {
  state_mismatch:
    'The sign-in could not be matched to this browser (it was used already, expired, or started elsewhere). Please try again.',
  provider_refused: 'The identity provider did not sign you in (cancelled or refused).',
  provider_down:
    'The identity provider could not be reached. Try again shortly, or sign in with a key.',
  invalid_token: 'The identity provider’s answer could not be verified, so it was not trusted.',
  unknown_user:
    'Your account at the identity provider matches no Portcullis user. Ask an admin to add you.',
  user_disabled: 'Your Portcullis user is disabled.',
  not_admin: 'Only admins may sign in to the console.',
  provider_unavailable: 'This identity provider is not offered for signing in to the console.',
  unavailable: 'Signing in is not possible right now. Try again shortly.',
};
const UNKNOWN_ERROR = 'The sign-in through the identity provider failed. Please try again.';

/** The reason a provider sign-in came back with, taken out of the address bar once read. */
function takeSignInError(): string | undefined {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('sign-in-error');
  if (code === null) return undefined;
  url.searchParams.delete('sign-in-error');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  return SIGN_IN_ERRORS[code] ?? UNKNOWN_ERROR;
}

interface SignInProvider {
  id: string;
  name: string;
}

/**
 * Sign-in with a Portcullis key (a basic key needs its owner's username too), or through an
 * identity provider marked for console sign-in: a plain link, since the browser itself goes to
 * the provider and comes back.
 */
export function SignIn(props: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [username, setUsername] = useState('');
  const [providerError] = useState(takeSignInError);
  const [providers, setProviders] = useState<SignInProvider[]>([]);
  const { error, busy, run } = useAction();

  useEffect(() => {
    api<{ providers: SignInProvider[] }>('GET', '/console/session/providers').then(
      (found) => setProviders(found.providers),
      // Without the list the key form still works; the links are simply not offered.
      () => setProviders([]),
    );
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const session = await api<Session>('POST', '/console/session', {
        key: key.trim(),
        ...(username.trim() !== '' && { username: username.trim() }),
      });
      setKey('');
      props.onSignedIn(session);
    });
  };

  return (
    <main className="sign-in">
      <h1>Sign in to Portcullis</h1>
      {providerError !== undefined && (
        <div className="alert" role="alert">
          <strong>Sign-in failed</strong> — {providerError}
        </div>
      )}
      {providers.length > 0 && (
        <section aria-labelledby="sign-in-providers-title" className="sign-in-providers">
          <h2 id="sign-in-providers-title">With your company account</h2>
          <ul>
            {providers.map((provider) => (
              <li key={provider.id}>
                <a className="button" href={`/console/session/oauth/${provider.id}`}>
                  Sign in with {provider.name}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form onSubmit={submit} noValidate aria-label="Sign in with a key">
        {providers.length > 0 && <h2>With a Portcullis key</h2>}
        <FormError error={error} fields={['key', 'username']} />
        <TextField
          label="Portcullis key"
          name="key"
          type="password"
          value={key}
          onChange={setKey}
          error={error}
          autoComplete="current-password"
          required
          hint="An admin's key opens every page; other users see their own keys."
        />
        <TextField
          label="Username (basic keys only)"
          name="username"
          value={username}
          onChange={setUsername}
          error={error}
          autoComplete="username"
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
