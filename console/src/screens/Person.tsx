import { useState } from 'preact/hooks';
import { ok, type Schemas } from '../api/client';
import { Journal } from '../components/journal';
import { PersonForm } from '../components/person-form';
import { Dialog, ErrorMessage, Field, Loading, Status } from '../components/ui';
import { euros, when } from '../format';
import { Link, path } from '../router';
import { useAction, useLoad, useSession } from '../session';
import { t } from '../texts';
import { Breadcrumb, useVault } from './vault';

type Person = Schemas['PersonDetail'];
type Invitation = Schemas['Invitation'];

export function PersonPage({
  vaultId,
  personId,
  from,
}: {
  vaultId: string;
  personId: string;
  from: string | undefined;
}) {
  const { api } = useSession();
  const { vault } = useVault(vaultId);
  const ids = { vaultId, personId };
  const person = useLoad(
    () => ok(api.GET('/vaults/{vaultId}/persons/{personId}', { params: { path: ids } })),
    [api, vaultId, personId],
  );
  const [editing, setEditing] = useState(false);
  // Bumped by every change made here, so that the journal asks again at once.
  const [version, setVersion] = useState(0);
  const changed = async () => {
    await person.reload();
    setVersion((v) => v + 1);
  };
  const p = person.data;
  const invitation = p?.invitation ?? null;
  const invitable = !!p && !p.access && (!invitation || !['pending', 'accepted'].includes(invitation.status));

  return (
    <>
      <Breadcrumb vaultId={vaultId} vaultName={vault?.name} current={p ? `${p.lastName} ${p.firstName}` : undefined} />
      <Loading when={person.loading && !p} />
      <ErrorMessage error={person.error} />
      {p && (
        <>
          <div class="title-row">
            <h1>
              {p.lastName} {p.firstName}
            </h1>
            <Link href={path.persons(vaultId, from)}>{t.person.back}</Link>
          </div>
          <p>{p.access ? t.person.hasAccess(t.roles[p.access.role] ?? p.access.role) : t.person.noAccess}</p>
          <section aria-labelledby="contact-title" class="card">
            <div class="title-row">
              <h2 id="contact-title">{t.person.contact}</h2>
              <button type="button" onClick={() => setEditing(true)}>
                {t.person.edit}
              </button>
            </div>
            <dl>
              <dt>{t.person.email}</dt>
              <dd>{p.email ?? '—'}</dd>
              <dt>{t.person.mobile}</dt>
              <dd>{p.mobile ?? '—'}</dd>
              <dt>{t.person.address}</dt>
              <dd>{p.postalAddress ? formatAddress(p.postalAddress) : '—'}</dd>
            </dl>
          </section>
          <Dialog title={t.person.editTitle} open={editing} onClose={() => setEditing(false)}>
            <PersonForm
              person={p}
              submitLabel={t.common.save}
              onCancel={() => setEditing(false)}
              onSubmit={async ({ email, mobile, postalAddress }) => {
                await ok(
                  api.PATCH('/vaults/{vaultId}/persons/{personId}', {
                    params: { path: ids },
                    body: { email, mobile, postalAddress },
                  }),
                );
                setEditing(false);
                await changed();
              }}
            />
          </Dialog>
          {invitation && !invitable && (
            <InvitationPanel vaultId={vaultId} invitationId={invitation.invitationId} onChanged={changed} />
          )}
          {invitable && (
            <>
              {invitation && (
                <p>{t.invitation.previous(t.invitation.statuses[invitation.status] ?? invitation.status)}</p>
              )}
              <InvitationAssistant vaultId={vaultId} person={p} from={from} onSent={changed} />
              <DirectAccess vaultId={vaultId} person={p} from={from} onGranted={changed} />
            </>
          )}
          <Journal
            title={t.journal.person}
            keys={[api, vaultId, personId, version]}
            load={() =>
              ok(
                api.GET('/vaults/{vaultId}/persons/{personId}/journal', {
                  params: { path: ids, query: { limit: 50 } },
                }),
              )
            }
          />
        </>
      )}
    </>
  );
}

function formatAddress(a: NonNullable<Person['postalAddress']>): string {
  return [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(', ');
}

function DossierChoice(props: { vaultId: string; chosen: Set<string>; onChange: (chosen: Set<string>) => void }) {
  const { api } = useSession();
  const dossiers = useLoad(
    () =>
      ok(
        api.GET('/vaults/{vaultId}/dossiers', { params: { path: { vaultId: props.vaultId }, query: { limit: 100 } } }),
      ),
    [api, props.vaultId],
  );
  const choosable = (dossiers.data?.dossiers ?? []).filter((d) => d.kind !== 'home');
  return (
    <fieldset>
      <legend>{t.invitation.dossiers}</legend>
      <ErrorMessage error={dossiers.error} />
      {choosable.map((d) => (
        <label key={d.dossierId} class="check-line">
          <input
            type="checkbox"
            checked={d.public || props.chosen.has(d.dossierId)}
            disabled={d.public}
            onChange={() => {
              const next = new Set(props.chosen);
              if (next.has(d.dossierId)) next.delete(d.dossierId);
              else next.add(d.dossierId);
              props.onChange(next);
            }}
          />{' '}
          {d.name}
          {d.public && <small class="hint"> ({t.invitation.publicAlways})</small>}
        </label>
      ))}
    </fieldset>
  );
}

/** The invitation assistant: the guest's home page, their rights, then how the link and the code will travel. */
function InvitationAssistant(props: { vaultId: string; person: Person; from: string | undefined; onSent: () => void }) {
  const { api, config } = useSession();
  const { person } = props;
  const [welcome, setWelcome] = useState('');
  const [comment, setComment] = useState('');
  const [mobile, setMobile] = useState(person.mobile ?? '');
  const [chosen, setChosen] = useState<Set<string>>(new Set(props.from ? [props.from] : []));
  const [sent, setSent] = useState<Invitation>();
  const action = useAction();

  const linkChannel = person.email ? 'email' : person.postalAddress ? 'postal' : 'none';
  // An emptied field sends nothing: the mobile on file, if any, still receives the code.
  const codeChannel = mobile.trim() || person.mobile ? 'sms' : 'phone';

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await action.run(() =>
      ok(
        api.POST('/vaults/{vaultId}/persons/{personId}/invitations', {
          params: { path: { vaultId: props.vaultId, personId: person.personId } },
          body: {
            dossierIds: [...chosen],
            welcome: welcome.trim() || null,
            comment: comment.trim() || null,
            ...(mobile.trim() && mobile.trim() !== person.mobile ? { mobile: mobile.trim() } : {}),
          },
        }),
      ),
    );
    if (result) setSent(result as Invitation);
  };

  if (sent) return <SentSummary invitation={sent} onDone={props.onSent} />;

  return (
    <section aria-labelledby="assistant-title" class="card">
      <h2 id="assistant-title">{t.invitation.title}</h2>
      <form onSubmit={submit} noValidate>
        <h3>{t.invitation.home}</h3>
        <Field
          label={t.invitation.welcome}
          multiline
          maxLength={500}
          value={welcome}
          problem={action.error?.fieldMessage('welcome')}
          onInput={(e) => setWelcome((e.target as HTMLTextAreaElement).value)}
        />
        <DossierChoice vaultId={props.vaultId} chosen={chosen} onChange={setChosen} />
        <h3>{t.invitation.rightsTitle}</h3>
        <p class="rights">{t.invitation.rights}</p>
        <h3>{t.invitation.methods}</h3>
        <div class="methods">
          <div class="method" data-channel={linkChannel}>
            <h4>{t.invitation.linkMethod}</h4>
            <ol class="options">
              <li aria-current={linkChannel === 'email' || undefined}>{t.invitation.byEmail(person.email)}</li>
              <li aria-current={linkChannel === 'postal' || undefined}>
                {t.invitation.byLetter(
                  person.postalAddress ? formatAddress(person.postalAddress) : null,
                  euros(config.letterCostCents ?? 182),
                )}
              </li>
              <li aria-current={linkChannel === 'none' || undefined}>{t.invitation.byNothing}</li>
            </ol>
            <p>
              <strong>
                {t.invitation.linkBy(
                  linkChannel,
                  person.email ?? '',
                  person.postalAddress ? formatAddress(person.postalAddress) : '',
                  euros(config.letterCostCents ?? 182),
                )}
              </strong>
            </p>
          </div>
          <div class="method" data-channel={codeChannel}>
            <h4>{t.invitation.codeMethod}</h4>
            <Field
              label={t.person.mobile}
              type="tel"
              autoComplete="off"
              hint={t.invitation.mobileHint}
              value={mobile}
              problem={action.error?.fieldMessage('mobile')}
              onInput={(e) => setMobile((e.target as HTMLInputElement).value)}
            />
            <p>
              <strong>{t.invitation.codeBy(codeChannel)}</strong>
            </p>
          </div>
        </div>
        <Field
          label={t.invitation.comment}
          multiline
          maxLength={500}
          value={comment}
          problem={action.error?.fieldMessage('comment')}
          onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
        />
        <ErrorMessage error={action.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            {t.invitation.send}
          </button>
        </div>
      </form>
    </section>
  );
}

function SentSummary({ invitation, onDone }: { invitation: Invitation; onDone: () => void }) {
  return (
    <section class="card" aria-labelledby="sent-title">
      <div role="status">
        <h2 id="sent-title">{invitation.status === 'not_sent' ? t.invitation.notSent : t.invitation.sent}</h2>
      </div>
      <InvitationFacts invitation={invitation} />
      <button type="button" class="primary" onClick={onDone}>
        {t.invitation.follow}
      </button>
    </section>
  );
}

function InvitationFacts({ invitation }: { invitation: Invitation }) {
  return (
    <>
      <p>{t.invitation.linkSent(invitation.linkChannel, invitation.channels.link.status)}</p>
      {invitation.postal && (
        <p>{t.invitation.letterCost(euros(invitation.postal.costCents), invitation.postal.letters)}</p>
      )}
      <p>{t.invitation.codeSent(invitation.codeChannel, invitation.channels.code.status)}</p>
      {invitation.code && (
        <p class="code-once">
          {invitation.codeChannel === 'phone' ? t.invitation.codeToPhone : t.invitation.codeBySms}{' '}
          <strong class="code" data-testid="invitation-code">
            {invitation.code}
          </strong>
        </p>
      )}
      <p>
        {t.invitation.relaunches} <strong data-testid="relaunch-count">{invitation.relaunchCount}</strong>
      </p>
    </>
  );
}

/** The latest invitation, followed: its channels, its code when it goes by phone, relaunch and cancel. */
function InvitationPanel(props: { vaultId: string; invitationId: string; onChanged: () => void }) {
  const { api } = useSession();
  const ids = { vaultId: props.vaultId, invitationId: props.invitationId };
  const invitation = useLoad(
    () => ok(api.GET('/vaults/{vaultId}/invitations/{invitationId}', { params: { path: ids } })),
    [api, props.invitationId],
  );
  const action = useAction();
  const i = invitation.data;
  const relaunch = async () => {
    if (
      await action.run(() =>
        ok(api.POST('/vaults/{vaultId}/invitations/{invitationId}/relaunch', { params: { path: ids } })),
      )
    ) {
      await invitation.reload();
      props.onChanged();
    }
  };
  const cancel = async () => {
    if (!window.confirm(t.invitation.confirmCancel)) return;
    const done = await action.run(() =>
      ok(api.DELETE('/vaults/{vaultId}/invitations/{invitationId}', { params: { path: ids } })).then(() => true),
    );
    if (done) props.onChanged();
  };
  return (
    <section class="card" aria-labelledby="invitation-title">
      <h2 id="invitation-title">{i?.status === 'pending' ? t.invitation.sent : t.invitation.title}</h2>
      <ErrorMessage error={invitation.error} />
      {i && (
        <>
          <p>
            <Status value={i.status} label={t.invitation.statuses[i.status] ?? i.status} />
          </p>
          <InvitationFacts invitation={i} />
          <p class="hint">
            {t.invitation.lastSent(when(i.lastSentAt))} · {t.invitation.nextRelaunch(when(i.nextRelaunchAt))} ·{' '}
            {t.invitation.expires(when(i.expiresAt))}
          </p>
          <ErrorMessage error={action.error} />
          {i.status === 'pending' && (
            <div class="actions">
              <button type="button" onClick={relaunch} disabled={action.busy}>
                {t.invitation.relaunch}
              </button>
              <button type="button" class="danger" onClick={cancel} disabled={action.busy}>
                {t.invitation.cancel}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** A person who already has an account gives their personal identification code: access at once. */
function DirectAccess(props: { vaultId: string; person: Person; from: string | undefined; onGranted: () => void }) {
  const { api } = useSession();
  const [code, setCode] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set(props.from ? [props.from] : []));
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const granted = await action.run(() =>
      ok(
        api.POST('/vaults/{vaultId}/persons/{personId}/access', {
          params: { path: { vaultId: props.vaultId, personId: props.person.personId } },
          body: { personalCode: code.trim(), dossierIds: [...chosen] },
        }),
      ),
    );
    if (granted) props.onGranted();
  };
  return (
    <section class="card" aria-labelledby="direct-title">
      <h2 id="direct-title">{t.access.title}</h2>
      <p>{t.access.explain}</p>
      <form onSubmit={submit} noValidate>
        <Field
          label={t.access.code}
          autoComplete="off"
          value={code}
          problem={action.error?.fieldMessage('personalCode')}
          onInput={(e) => setCode((e.target as HTMLInputElement).value)}
        />
        <DossierChoice vaultId={props.vaultId} chosen={chosen} onChange={setChosen} />
        <ErrorMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy || !code.trim()}>
          {t.access.grant}
        </button>
      </form>
    </section>
  );
}
