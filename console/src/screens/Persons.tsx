import { useState } from 'preact/hooks';
import { ok } from '../api/client';
import { PersonForm } from '../components/person-form';
import { Dialog, ErrorMessage, Field, Loading } from '../components/ui';
import { Link, navigate, path } from '../router';
import { useDebounced, useLoad, useSession } from '../session';
import { t } from '../texts';
import { Breadcrumb, useVault } from './vault';

/** Search a person (the API ignores case and accents), or add one and go on to invite them. */
export function Persons({ vaultId, from }: { vaultId: string; from: string | undefined }) {
  const { api } = useSession();
  const { vault } = useVault(vaultId);
  const [query, setQuery] = useState('');
  const [adding, setAdding] = useState(false);
  const searched = useDebounced(query.trim());
  const persons = useLoad(
    () =>
      ok(
        api.GET('/vaults/{vaultId}/persons', {
          params: { path: { vaultId }, query: { q: searched || undefined, limit: 50 } },
        }),
      ),
    [api, vaultId, searched],
  );
  return (
    <>
      <Breadcrumb vaultId={vaultId} vaultName={vault?.name} current={t.persons.title} />
      <div class="title-row">
        <h1>{t.persons.title}</h1>
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          {t.persons.invite}
        </button>
      </div>
      <search>
        <Field
          label={t.persons.search}
          type="search"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
      </search>
      <Loading when={persons.loading && !persons.data} />
      <ErrorMessage error={persons.error} />
      {persons.data && persons.data.persons.length === 0 && <p>{t.persons.none}</p>}
      <ul class="cards" aria-live="polite">
        {persons.data?.persons.map((person) => (
          <li key={person.personId}>
            <Link href={path.person(vaultId, person.personId, from)}>
              {person.lastName} {person.firstName}
            </Link>
            <small class="hint">
              {[person.email, person.mobile].filter(Boolean).join(' · ') || t.persons.noContact}
            </small>
          </li>
        ))}
      </ul>
      <Dialog title={t.persons.new} open={adding} onClose={() => setAdding(false)}>
        <PersonForm
          submitLabel={t.persons.createAndInvite}
          onCancel={() => setAdding(false)}
          onSubmit={async (body) => {
            const person = await ok(api.POST('/vaults/{vaultId}/persons', { params: { path: { vaultId } }, body }));
            setAdding(false);
            navigate(path.person(vaultId, person.personId, from));
          }}
        />
      </Dialog>
    </>
  );
}
