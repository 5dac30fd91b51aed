import { useState, type FormEvent } from 'react';
import { api, type Session } from '../api';
import { FormError, TextField, useAction } from '../components';

/** Sign-in with a Portcullis key; a basic key needs its owner's username too. */
export function SignIn(props: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [username, setUsername] = useState('');
  const { error, busy, run } = useAction();

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
      <form onSubmit={submit} noValidate>
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
