import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api/client';
import { currentIdentity, type Identity, signOutNow } from './auth';
import { Bell } from './components/journal';
import { ErrorMessage } from './components/ui';
import type { Config } from './config';
import { Link, match, path, usePlace } from './router';
import { Dossier } from './screens/Dossier';
import { PersonPage } from './screens/Person';
import { Persons } from './screens/Persons';
import { Security } from './screens/Security';
import { SignIn } from './screens/SignIn';
import { Vault } from './screens/vault';
import { Vaults } from './screens/Vaults';
import { SessionContext } from './session';
import { t } from './texts';

export function App({ config }: { config: Config }) {
  const [identity, setIdentity] = useState<Identity | null | undefined>(undefined);
  const api = useMemo(() => createApi(config.apiUrl), [config.apiUrl]);
  const refresh = () => currentIdentity().then(setIdentity, () => setIdentity(null));
  useEffect(() => void refresh(), []);

  if (identity === undefined) return null;
  if (identity === null) return <SignIn onSignedIn={refresh} />;
  const signOut = () => void signOutNow().finally(() => setIdentity(null));
  return (
    <SessionContext.Provider value={{ api, identity, config, signOut }}>
      <a class="skip" href="#main">
        {t.app.skip}
      </a>
      <header class="top">
        <Link href={path.vaults()} class="brand">
          {t.app.name}
        </Link>
        <div class="who">
          <Bell />
          <span class="email">{identity.email}</span>
          <Link href={path.security()}>{t.security.title}</Link>
          <button type="button" onClick={signOut}>
            {t.common.signOut}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen />
      </main>
    </SessionContext.Provider>
  );
}

function Screen() {
  const place = usePlace();
  const from = place.query.get('from') ?? undefined;
  let m: Record<string, string> | null;
  if ((m = match('/', place.path))) return <Vaults />;
  if ((m = match(path.security(), place.path))) return <Security />;
  if ((m = match('/vaults/:vaultId', place.path))) return <Vault key={m.vaultId} vaultId={m.vaultId!} />;
  if ((m = match('/vaults/:vaultId/dossiers/:dossierId', place.path)))
    return <Dossier key={m.dossierId} vaultId={m.vaultId!} dossierId={m.dossierId!} />;
  if ((m = match('/vaults/:vaultId/persons', place.path))) return <Persons vaultId={m.vaultId!} from={from} />;
  if ((m = match('/vaults/:vaultId/persons/:personId', place.path)))
    return <PersonPage key={m.personId} vaultId={m.vaultId!} personId={m.personId!} from={from} />;
  return <ErrorMessage error={t.errors.notFound} />;
}
