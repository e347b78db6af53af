import { ok } from '../api/client';
import { ErrorMessage, Loading } from '../components/ui';
import { Link, path } from '../router';
import { useLoad, useSession } from '../session';
import { t } from '../texts';

export function Vaults() {
  const { api } = useSession();
  const vaults = useLoad(() => ok(api.GET('/vaults')), [api]);
  return (
    <>
      <h1>{t.vaults.title}</h1>
      <Loading when={vaults.loading && !vaults.data} />
      <ErrorMessage error={vaults.error} />
      {vaults.data && vaults.data.vaults.length === 0 && <p>{t.vaults.none}</p>}
      <ul class="cards">
        {vaults.data?.vaults.map((vault) => (
          <li key={vault.vaultId}>
            <Link href={path.vault(vault.vaultId)}>{vault.name}</Link>
            <small class="hint">{t.roles[vault.role] ?? vault.role}</small>
          </li>
        ))}
      </ul>
    </>
  );
}
