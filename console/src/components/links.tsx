/** "Lien de téléchargement": the dialog that creates a one-time link, and the dossier's links. */
import { useState } from 'preact/hooks';
import { ok, type Schemas } from '../api/client';
import { when } from '../format';
import { codeProblem, generateCode } from '../rules/code';
import { useAction, useSession } from '../session';
import { t } from '../texts';
import { CopyField, Dialog, ErrorMessage, Field, Status } from './ui';

export function LinkDialog(props: {
  open: boolean;
  onClose: () => void;
  vaultId: string;
  dossierId: string;
  documents: Schemas['Document'][];
  onCreated: () => void;
}) {
  const { api } = useSession();
  const [code, setCode] = useState('');
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const [hours, setHours] = useState(168);
  const [touched, setTouched] = useState(false);
  const [created, setCreated] = useState<Schemas['LinkCreated']>();
  const action = useAction();
  // One key per dialog opening: a retried submit (double click, lost answer) gives the same link.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  const problem = codeProblem(code);
  const localProblem = touched && problem ? t.link.codeProblems[problem] : undefined;

  const close = () => {
    setCode('');
    setEmail('');
    setMessage('');
    setTouched(false);
    setCreated(undefined);
    action.setError(undefined);
    setIdempotencyKey(crypto.randomUUID());
    props.onClose();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    const result = await action.run(() =>
      ok(
        api.POST('/vaults/{vaultId}/dossiers/{dossierId}/links', {
          params: {
            path: { vaultId: props.vaultId, dossierId: props.dossierId },
            header: { 'Idempotency-Key': idempotencyKey },
          },
          body: {
            documentIds: props.documents.map((d) => d.documentId),
            code,
            recipientEmail: email.trim() || null,
            message: message.trim() || null,
            expiresInHours: hours,
          },
        }),
      ),
    );
    if (result) {
      setCreated(result);
      props.onCreated();
    }
  };

  return (
    <Dialog title={t.link.title} open={props.open} onClose={close}>
      {props.documents.length === 0 && !created ? (
        <div>
          <p role="status">{t.link.chooseFirst}</p>
          <button type="button" class="primary" onClick={close}>
            {t.common.close}
          </button>
        </div>
      ) : created ? (
        <div class="created">
          <p role="status">{t.link.created}</p>
          <CopyField label={t.link.url} value={created.url} copyLabel={t.link.copy} copiedLabel={t.link.copied} />
          <p class="code-once">
            {t.link.codeIs}{' '}
            <strong class="code" data-testid="link-code">
              {created.code}
            </strong>
          </p>
          <p class="warning" role="note">
            {t.link.codeWarning}
          </p>
          <p>{t.link.emailStatus(created.email.status, created.recipientEmail ?? '')}</p>
          <p>{t.link.expires(when(created.expiresAt))}</p>
          <button type="button" class="primary" onClick={close}>
            {t.common.close}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>{t.link.documents(props.documents.length)}</p>
          <ul class="chosen">
            {props.documents.map((d) => (
              <li key={d.documentId}>{d.fileName}</li>
            ))}
          </ul>
          <div class="row end">
            <Field
              label={t.link.code}
              hint={t.link.codeHint}
              inputMode="numeric"
              autoComplete="off"
              maxLength={6}
              value={code}
              class="code-input"
              problem={localProblem ?? action.error?.fieldMessage('code')}
              onInput={(e) => setCode((e.target as HTMLInputElement).value.trim())}
              onBlur={() => setTouched(true)}
            />
            <button type="button" onClick={() => (setCode(generateCode()), setTouched(true))}>
              {t.link.generate}
            </button>
          </div>
          <Field
            label={t.link.email}
            hint={t.link.emailHint}
            type="email"
            autoComplete="off"
            value={email}
            problem={action.error?.fieldMessage('recipientEmail')}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
          <Field
            label={t.link.message}
            multiline
            maxLength={500}
            value={message}
            problem={action.error?.fieldMessage('message')}
            onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)}
          />
          <div class="field">
            <label for="link-hours">{t.link.expiry}</label>
            <select
              id="link-hours"
              value={hours}
              onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}
            >
              {[24, 72, 168, 336, 720].map((h) => (
                <option key={h} value={h}>
                  {t.link.hours(h)}
                </option>
              ))}
            </select>
          </div>
          <ErrorMessage error={action.error} />
          <div class="actions">
            <button type="button" onClick={close}>
              {t.common.cancel}
            </button>
            <button type="submit" class="primary" disabled={action.busy}>
              {t.link.create}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function LinksTable(props: { vaultId: string; links: Schemas['LinkSummary'][]; onChanged: () => void }) {
  const { api } = useSession();
  const action = useAction();
  const revoke = async (link: Schemas['LinkSummary']) => {
    if (!window.confirm(t.links.confirmRevoke)) return;
    const done = await action.run(() =>
      ok(
        api.DELETE('/vaults/{vaultId}/links/{linkId}', {
          params: { path: { vaultId: props.vaultId, linkId: link.linkId } },
        }),
      ).then(() => true),
    );
    if (done) props.onChanged();
  };
  if (props.links.length === 0) return <p>{t.links.none}</p>;
  return (
    <>
      <ErrorMessage error={action.error} />
      <table class="links">
        <caption class="sr-only">{t.links.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.links.status}</th>
            <th scope="col">{t.links.created}</th>
            <th scope="col">{t.links.recipient}</th>
            <th scope="col">{t.links.downloads}</th>
            <th scope="col">
              <span class="sr-only">{t.links.actions}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.links.map((link) => (
            <tr key={link.linkId} data-link={link.linkId}>
              <td>
                <Status value={link.status} label={t.links.statuses[link.status] ?? link.status} />
                {link.failedAttempts > 0 && <small class="hint">{t.links.failed(link.failedAttempts)}</small>}
              </td>
              <td>
                {when(link.createdAt)}
                <small class="hint">{t.links.expires(when(link.expiresAt))}</small>
              </td>
              <td>{link.recipientEmail ?? '—'}</td>
              <td>
                <ul class="plain">
                  {link.documents.map((d) => (
                    <li key={d.documentId}>
                      {d.fileName} :{' '}
                      {d.downloadedAt ? t.links.downloadedAt(when(d.downloadedAt)) : t.links.notDownloaded}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {(link.status === 'active' || link.status === 'used') && (
                  <button type="button" onClick={() => revoke(link)} disabled={action.busy}>
                    {t.links.revoke}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
