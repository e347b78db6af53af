import { ok } from '../api/client';
import { ErrorMessage, Loading } from '../components/ui';
import { PeopleIcon } from '../components/icons';
import { Link, path } from '../router';
import { useLoad, useSession } from '../session';
import { t } from '../texts';

/** The vault as the caller sees it: its name and the caller's role (owner, member or guest). */
export function useVault(vaultId: string) {
  const { api } = useSession();
  const vaults = useLoad(() => ok(api.GET('/vaults')), [api]);
  const vault = vaults.data?.vaults.find((v) => v.vaultId === vaultId);
  return { vault, loading: vaults.loading, error: vaults.error, missing: !!vaults.data && !vault };
}

export function Breadcrumb(props: { vaultId: string; vaultName?: string | undefined; current?: string | undefined }) {
  return (
    <nav aria-label={t.nav.breadcrumb} class="breadcrumb">
      <ol>
        <li>
          <Link href={path.vaults()}>{t.vaults.title}</Link>
        </li>
        <li>
          {props.current ? (
            <Link href={path.vault(props.vaultId)}>{props.vaultName ?? '…'}</Link>
          ) : (
            <span aria-current="page">{props.vaultName ?? '…'}</span>
          )}
        </li>
        {props.current && (
          <li>
            <span aria-current="page">{props.current}</span>
          </li>
        )}
      </ol>
    </nav>
  );
}

export function Vault({ vaultId }: { vaultId: string }) {
  const { vault, error, missing } = useVault(vaultId);
  if (missing) return <ErrorMessage error={t.errors.notFound} />;
  return (
    <>
      <Breadcrumb vaultId={vaultId} vaultName={vault?.name} />
      <ErrorMessage error={error} />
      {vault &&
        (vault.role === 'guest' ? (
          <GuestHome vaultId={vaultId} name={vault.name} />
        ) : (
          <Dossiers vaultId={vaultId} name={vault.name} />
        ))}
    </>
  );
}

function Dossiers({ vaultId, name }: { vaultId: string; name: string }) {
  const { api } = useSession();
  const dossiers = useLoad(
    () => ok(api.GET('/vaults/{vaultId}/dossiers', { params: { path: { vaultId }, query: { limit: 100 } } })),
    [api, vaultId],
  );
  return (
    <>
      <div class="title-row">
        <h1>{name}</h1>
        <Link class="button" href={path.persons(vaultId)}>
          <PeopleIcon /> {t.persons.title}
        </Link>
      </div>
      <h2>{t.dossiers.title}</h2>
      <Loading when={dossiers.loading && !dossiers.data} />
      <ErrorMessage error={dossiers.error} />
      <ul class="cards">
        {dossiers.data?.dossiers.map((dossier) => (
          <li key={dossier.dossierId}>
            <Link href={path.dossier(vaultId, dossier.dossierId)}>{dossier.name}</Link>
            <small class="hint">
              {t.dossiers.kinds[dossier.kind] ?? dossier.kind}
              {dossier.public ? ` · ${t.dossiers.public}` : ''}
            </small>
          </li>
        ))}
      </ul>
    </>
  );
}

/** A guest's page: the welcome text, their home page (where they may upload) and the dossiers open to them. */
function GuestHome({ vaultId, name }: { vaultId: string; name: string }) {
  const { api } = useSession();
  const home = useLoad(() => ok(api.GET('/vaults/{vaultId}/home', { params: { path: { vaultId } } })), [api, vaultId]);
  return (
    <>
      <h1>{name}</h1>
      <ErrorMessage error={home.error} />
      {home.data?.welcome && <p class="welcome">{home.data.welcome}</p>}
      {home.data?.homeDossierId && (
        <p>
          <Link class="button primary" href={path.dossier(vaultId, home.data.homeDossierId)}>
            {t.guest.home}
          </Link>
        </p>
      )}
      <h2>{t.guest.open}</h2>
      {home.data && home.data.dossiers.filter((d) => d.dossierId !== home.data?.homeDossierId).length === 0 && (
        <p>{t.guest.none}</p>
      )}
      <ul class="cards">
        {home.data?.dossiers
          .filter((d) => d.dossierId !== home.data?.homeDossierId)
          .map((dossier) => (
            <li key={dossier.dossierId}>
              <Link href={path.dossier(vaultId, dossier.dossierId)}>{dossier.name}</Link>
              {dossier.public && <small class="hint">{t.dossiers.public}</small>}
            </li>
          ))}
      </ul>
    </>
  );
}
