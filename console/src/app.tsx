import { useEffect, useState, type MouseEvent } from 'react';
import { api, setCsrfToken, whenSessionEnds, type Session, type Settings } from './api';
import { NoticeProvider } from './components';
import { AuditPage } from './pages/audit-page';
import { KeysPage } from './pages/keys-page';
import { MyKeysPage } from './pages/my-keys-page';
import { ProvidersPage } from './pages/providers-page';
import { RulesPage } from './pages/rules-page';
import { SettingsPage } from './pages/settings-page';
import { SignIn } from './pages/sign-in';
import { UsersPage } from './pages/users-page';

const BASE = '/console/';

interface PageInfo {
  path: string;
  title: string;
  admin: boolean;
}

const PAGES: PageInfo[] = [
  { path: 'keys', title: 'API keys', admin: true },
  { path: 'users', title: 'Users and groups', admin: true },
  { path: 'rules', title: 'Rules', admin: true },
  { path: 'providers', title: 'Identity providers', admin: true },
  { path: 'settings', title: 'Settings', admin: true },
  { path: 'audit', title: 'Audit log', admin: true },
  { path: 'my-keys', title: 'My keys', admin: false },
];

function currentPath(): string {
  const path = window.location.pathname;
  return path.startsWith(BASE) ? path.slice(BASE.length).replace(/\/$/, '') : '';
}

/** The console: sign-in, then the pages the signed-in user may use, routed by the URL path. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>();
  const [path, setPath] = useState(currentPath);

  useEffect(() => {
    whenSessionEnds(() => setSession(null));
    api<Session>('GET', '/console/session').then(
      (found) => setSession(found),
      () => setSession(null),
    );
    const onPop = () => setPath(currentPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  setCsrfToken(session?.csrfToken);

  const pages = PAGES.filter((page) => !page.admin || session?.admin === true);
  const page = pages.find((p) => p.path === path) ?? pages[0];

  useEffect(() => {
    document.title = page && session ? `${page.title} · Portcullis` : 'Portcullis console';
  }, [page, session]);

  const navigate = (event: MouseEvent<HTMLAnchorElement>, to: string) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    window.history.pushState(null, '', BASE + to);
    setPath(to);
    // Another admin may have switched Portcullis off meanwhile: the banner should say so.
    api<Session>('GET', '/console/session').then(setSession, () => undefined);
  };
  // What the session tells the pages of the settings: the banner and the key forms follow a save.
  const settingsSaved = ({ enabled, maxKeyLifetime }: Settings) =>
    setSession((current) => current && { ...current, checking: enabled, maxKeyLifetime });

  const signOut = async () => {
    await api('DELETE', '/console/session').catch(() => undefined);
    setSession(null);
  };

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  return (
    <>
      <header className="top">
        <a className="brand" href={BASE} onClick={(e) => navigate(e, '')}>
          Portcullis
        </a>
        <nav aria-label="Pages">
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <a
                  href={BASE + p.path}
                  aria-current={p === page ? 'page' : undefined}
                  onClick={(e) => navigate(e, p.path)}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            Signed in as <strong>{session.username}</strong>
          </span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {!session.checking && <ServiceOffBanner admin={session.admin} navigate={navigate} />}
      <main>
        <h1>{page?.title}</h1>
        <NoticeProvider page={page?.path ?? ''}>
          {page?.path === 'keys' && <KeysPage session={session} />}
          {page?.path === 'users' && <UsersPage />}
          {page?.path === 'rules' && <RulesPage />}
          {page?.path === 'providers' && <ProvidersPage />}
          {page?.path === 'settings' && <SettingsPage onSaved={settingsSaved} />}
          {page?.path === 'audit' && <AuditPage />}
          {page?.path === 'my-keys' && <MyKeysPage session={session} />}
        </NoticeProvider>
      </main>
    </>
  );
}

/**
 * While Portcullis is switched off every request passes unchecked: every page says so, above all
 * else, until it is switched on again.
 */
function ServiceOffBanner(props: {
  admin: boolean;
  navigate: (event: MouseEvent<HTMLAnchorElement>, to: string) => void;
}) {
  return (
    <div className="banner" role="alert" data-testid="service-off">
      <strong>Portcullis is switched off:</strong> every request passes unchecked, with no identity.{' '}
      {props.admin ? (
        <a href={`${BASE}settings`} onClick={(e) => props.navigate(e, 'settings')}>
          Switch it on in Settings
        </a>
      ) : (
        'An admin can switch it on again.'
      )}
    </div>
  );
}
