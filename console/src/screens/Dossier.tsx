import { useState } from 'preact/hooks';
import { ok } from '../api/client';
import { DocumentsTable, UploadZone } from '../components/documents';
import { Journal } from '../components/journal';
import { LinkDialog, LinksTable } from '../components/links';
import { ErrorMessage, Loading, Menu } from '../components/ui';
import { PeopleIcon } from '../components/icons';
import { Link, navigate, path } from '../router';
import { REFRESH_MS, useLoad, useSession } from '../session';
import { t } from '../texts';
import { Breadcrumb, useVault } from './vault';

export function Dossier({ vaultId, dossierId }: { vaultId: string; dossierId: string }) {
  const { api } = useSession();
  const { vault } = useVault(vaultId);
  const ids = { vaultId, dossierId };
  const dossier = useLoad(
    () => ok(api.GET('/vaults/{vaultId}/dossiers/{dossierId}', { params: { path: ids, query: { limit: 100 } } })),
    [api, vaultId, dossierId],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [linking, setLinking] = useState(false);
  const [linksVersion, setLinksVersion] = useState(0);

  const guest = vault?.role === 'guest';
  const documents = dossier.data?.documents ?? [];
  const chosen = documents.filter((d) => selected.has(d.documentId) && d.status === 'available');
  // A guest writes only to their home page; owners and members to any dossier they see.
  const mayUpload = !!vault && (!guest || dossier.data?.kind === 'home');

  return (
    <>
      <Breadcrumb vaultId={vaultId} vaultName={vault?.name} current={dossier.data?.name} />
      <Loading when={dossier.loading && !dossier.data} />
      <ErrorMessage error={dossier.error} />
      {dossier.data && (
        <>
          <div class="title-row">
            <h1>{dossier.data.name}</h1>
            {vault && !guest && (
              <div class="tools">
                <Link class="button icon-text" href={path.persons(vaultId, dossierId)} aria-label={t.dossier.access}>
                  <PeopleIcon />
                </Link>
                <Menu
                  label={t.dossier.menu}
                  items={[
                    { label: t.dossier.link, onSelect: () => setLinking(true) },
                    { label: t.dossier.access, onSelect: () => navigate(path.persons(vaultId, dossierId)) },
                  ]}
                />
              </div>
            )}
          </div>
          <h2>{t.documents.title}</h2>
          {guest ? (
            <DocumentsTable documents={documents} />
          ) : (
            <>
              <DocumentsTable documents={documents} selected={selected} onSelect={setSelected} />
              <p class="hint" aria-live="polite">
                {t.documents.selected(chosen.length)}
              </p>
              <button type="button" onClick={() => setLinking(true)}>
                {t.dossier.link}
              </button>
            </>
          )}
          {mayUpload && (
            <UploadZone
              vaultId={vaultId}
              dossierId={dossierId}
              onUploaded={async () => {
                await dossier.reload();
              }}
            />
          )}
          {vault && !guest && (
            <>
              <LinkDialog
                open={linking}
                onClose={() => setLinking(false)}
                vaultId={vaultId}
                dossierId={dossierId}
                documents={chosen}
                onCreated={() => {
                  setSelected(new Set());
                  setLinksVersion((v) => v + 1);
                }}
              />
              <Links vaultId={vaultId} dossierId={dossierId} version={linksVersion} />
              <Journal
                title={t.journal.dossier}
                keys={[api, vaultId, dossierId, linksVersion]}
                load={() =>
                  ok(
                    api.GET('/vaults/{vaultId}/dossiers/{dossierId}/journal', {
                      params: { path: ids, query: { limit: 50 } },
                    }),
                  )
                }
              />
            </>
          )}
        </>
      )}
    </>
  );
}

function Links({ vaultId, dossierId, version }: { vaultId: string; dossierId: string; version: number }) {
  const { api } = useSession();
  const links = useLoad(
    () =>
      ok(
        api.GET('/vaults/{vaultId}/dossiers/{dossierId}/links', {
          params: { path: { vaultId, dossierId }, query: { limit: 50 } },
        }),
      ),
    [api, vaultId, dossierId, version],
    REFRESH_MS,
  );
  return (
    <section aria-labelledby="links-title">
      <h3 id="links-title">{t.links.title}</h3>
      <ErrorMessage error={links.error} />
      {links.data && <LinksTable vaultId={vaultId} links={links.data.links} onChanged={links.reload} />}
    </section>
  );
}
