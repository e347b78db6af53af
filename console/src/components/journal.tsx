/** A journal (dossier or person) and the notifications bell, both refreshed while the page is open. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api/client';
import { ok } from '../api/client';
import { when } from '../format';
import { REFRESH_MS, useLoad, useSession } from '../session';
import { t } from '../texts';
import { BellIcon } from './icons';
import { ErrorMessage } from './ui';

interface Happened {
  id: string;
  at: string;
  type: string;
  message: string;
}

/** Journal entries and notifications alike: when, and what happened, newest first. */
export function JournalList({ items, empty }: { items: Happened[]; empty: string }) {
  if (items.length === 0) return <p>{empty}</p>;
  return (
    <ol class="journal">
      {items.map((item) => (
        <li key={item.id} data-type={item.type}>
          <time dateTime={item.at}>{when(item.at)}</time> <span>{item.message}</span>
        </li>
      ))}
    </ol>
  );
}

export function Journal(props: { load: () => Promise<Schemas['JournalPage']>; keys: unknown[]; title: string }) {
  const journal = useLoad(props.load, props.keys, REFRESH_MS);
  return (
    <section aria-labelledby="journal-title">
      <h3 id="journal-title">{props.title}</h3>
      <ErrorMessage error={journal.error} />
      {journal.data && (
        <JournalList items={journal.data.entries.map((e) => ({ ...e, id: e.entryId }))} empty={t.journal.empty} />
      )}
    </section>
  );
}

/** The bell: unread = arrived since the list was last opened in this session. */
export function Bell() {
  const { api } = useSession();
  const notifications = useLoad(() => ok(api.GET('/notifications')), [api], REFRESH_MS);
  const [seen, setSeen] = useState<Set<string> | null>(null);
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const list = notifications.data?.notifications ?? [];
  // What was there at sign-in counts as unread too: the owner has not seen it in this console yet.
  const unread = list.filter((n) => !seen?.has(n.notificationId)).length;
  useEffect(() => {
    if (open) {
      setSeen(new Set(list.map((n) => n.notificationId)));
      panel.current?.focus();
    }
  }, [open, list.length]);
  return (
    <div class="bell">
      <button
        type="button"
        class="icon"
        aria-expanded={open}
        aria-label={t.bell.label(unread)}
        onClick={() => setOpen(!open)}
      >
        <BellIcon />
        {unread > 0 && (
          <span class="badge" aria-hidden="true" data-testid="unread">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div
          ref={panel}
          class="panel"
          tabIndex={-1}
          role="region"
          aria-label={t.bell.title}
          onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        >
          <h2>{t.bell.title}</h2>
          <ErrorMessage error={notifications.error} />
          <JournalList items={list.map((n) => ({ ...n, id: n.notificationId }))} empty={t.bell.empty} />
        </div>
      )}
    </div>
  );
}
