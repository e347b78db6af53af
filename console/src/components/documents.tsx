/** A dossier's documents with a checkbox per row and one in the header; the upload zone with a bar per file. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ok, type Schemas } from '../api/client';
import { fileSize } from '../format';
import { headerState, toggle, toggleAll } from '../rules/selection';
import { percent, sendToStorage, UploadError } from '../rules/upload';
import { useSession } from '../session';
import { t } from '../texts';
import { ErrorMessage } from './ui';

export function DocumentsTable(props: {
  documents: Schemas['Document'][];
  selected?: Set<string>;
  onSelect?: (selected: Set<string>) => void;
}) {
  const { documents, selected, onSelect } = props;
  const selectable = documents.filter((d) => d.status === 'available').map((d) => d.documentId);
  const header = useRef<HTMLInputElement>(null);
  const state = selected ? headerState(selectable, selected) : 'none';
  useEffect(() => {
    if (header.current) header.current.indeterminate = state === 'some';
  }, [state]);
  if (documents.length === 0) return <p>{t.documents.none}</p>;
  return (
    <table class="documents">
      <caption class="sr-only">{t.documents.caption}</caption>
      <thead>
        <tr>
          {selected && onSelect && (
            <th scope="col" class="check">
              <input
                ref={header}
                type="checkbox"
                aria-label={t.documents.selectAll}
                checked={state === 'all'}
                disabled={selectable.length === 0}
                onChange={() => onSelect(toggleAll(selectable, selected))}
              />
            </th>
          )}
          <th scope="col">{t.documents.name}</th>
          <th scope="col">{t.documents.size}</th>
          <th scope="col">{t.documents.status}</th>
        </tr>
      </thead>
      <tbody>
        {documents.map((document) => (
          <tr key={document.documentId}>
            {selected && onSelect && (
              <td class="check">
                <input
                  type="checkbox"
                  aria-label={t.documents.select(document.fileName)}
                  checked={selected.has(document.documentId)}
                  disabled={document.status !== 'available'}
                  onChange={() => onSelect(toggle(selected, document.documentId))}
                />
              </td>
            )}
            <td>{document.fileName}</td>
            <td>{fileSize(document.size)}</td>
            <td>{t.documents.statuses[document.status] ?? document.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface Sending {
  key: string;
  name: string;
  percent: number;
  state: 'sending' | 'done' | 'failed';
  problem?: string;
}

/** Drop files or pick them: each is declared to the API, sent to S3 with its own bar, then completed. */
export function UploadZone(props: { vaultId: string; dossierId: string; onUploaded: () => void }) {
  const { api } = useSession();
  const [sendings, setSendings] = useState<Sending[]>([]);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);

  const update = (key: string, change: Partial<Sending>) =>
    setSendings((all) => all.map((s) => (s.key === key ? { ...s, ...change } : s)));

  const sendOne = async (file: File, key: string) => {
    const params = { path: { vaultId: props.vaultId, dossierId: props.dossierId } };
    try {
      const created = await ok(
        api.POST('/vaults/{vaultId}/dossiers/{dossierId}/documents', {
          params,
          body: { fileName: file.name, contentType: file.type || 'application/octet-stream', size: file.size },
        }),
      );
      await sendToStorage(created.upload, file, (progress) => update(key, { percent: percent(progress) }));
      await ok(
        api.POST('/vaults/{vaultId}/dossiers/{dossierId}/documents/{documentId}/complete', {
          params: { path: { ...params.path, documentId: created.documentId } },
        }),
      );
      update(key, { percent: 100, state: 'done' });
      props.onUploaded();
    } catch (error) {
      const problem = error instanceof UploadError ? t.upload.storageFailed : (error as Error).message;
      update(key, { state: 'failed', problem });
    }
  };

  const send = (files: FileList | null) => {
    if (!files) return;
    const added = [...files].map((file) => ({ file, key: `${file.name}-${crypto.randomUUID()}` }));
    setSendings((all) => [
      ...all,
      ...added.map(({ file, key }) => ({ key, name: file.name, percent: 0, state: 'sending' as const })),
    ]);
    added.forEach(({ file, key }) => void sendOne(file, key));
  };

  return (
    <section class="upload" aria-labelledby="upload-title">
      <h3 id="upload-title">{t.upload.title}</h3>
      <div
        class={`dropzone${over ? ' over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          send(event.dataTransfer?.files ?? null);
        }}
      >
        <p>{t.upload.drop}</p>
        <button type="button" onClick={() => picker.current?.click()}>
          {t.upload.pick}
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          class="sr-only"
          aria-label={t.upload.pick}
          tabIndex={-1}
          onChange={(event) => {
            send((event.target as HTMLInputElement).files);
            (event.target as HTMLInputElement).value = '';
          }}
        />
      </div>
      {sendings.length > 0 && (
        <ul class="sendings">
          {sendings.map((s) => (
            <li key={s.key}>
              <span>{s.name}</span>
              <progress max={100} value={s.percent} aria-label={t.upload.progress(s.name)}>
                {s.percent} %
              </progress>
              <span aria-live="polite">
                {s.state === 'done' ? t.upload.done : s.state === 'failed' ? t.upload.failed : `${s.percent} %`}
              </span>
              {s.problem && <ErrorMessage error={s.problem} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
