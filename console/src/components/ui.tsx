/** Small accessible building blocks: an error box, a labelled field, a copyable value, a dialog, a menu. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { t } from '../texts';

export function ErrorMessage({ error }: { error: ApiError | string | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}

type InputProps = JSX.InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  hint?: string;
  problem?: string | undefined;
  multiline?: boolean;
};

/** A labelled input; the API's message for it (or a local one) sits beside it and is announced. */
export function Field({ label, hint, problem, multiline, ...input }: InputProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-invalid': problem ? true : undefined, 'aria-describedby': described };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea {...(input as JSX.TextareaHTMLAttributes<HTMLTextAreaElement>)} {...common} />
      ) : (
        <input {...input} {...common} />
      )}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {problem && (
        <small id={`${id}-problem`} class="problem">
          {problem}
        </small>
      )}
    </div>
  );
}

/** A read-only value and a button that copies it (`copy`: what is copied, when not what is shown). */
export function CopyField(props: {
  label: string;
  value: string;
  copy?: string;
  copyLabel: string;
  copiedLabel: string;
}) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [props.value]);
  const copy = async () => {
    await navigator.clipboard.writeText(props.copy ?? props.value);
    setCopied(true);
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="row">
        <input id={id} readOnly value={props.value} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button type="button" onClick={copy}>
          {copied ? props.copiedLabel : props.copyLabel}
        </button>
      </div>
    </div>
  );
}

/** A modal dialog on the native <dialog>: focus kept inside, Escape closes, focus returns after. */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose} onCancel={props.onClose}>
      <header class="dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="icon" aria-label={t.common.close} onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.open && props.children}
    </dialog>
  );
}

export interface MenuItem {
  label: string;
  onSelect: () => void;
  disabled?: boolean;
}

/** A "⋯" menu button (WAI-ARIA menu button): arrows move, Escape closes and returns focus. */
export function Menu({ label, items }: { label: string; items: MenuItem[] }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (open) list.current?.querySelector<HTMLElement>('[role=menuitem]:not([aria-disabled=true])')?.focus();
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const away = (event: MouseEvent) => {
      if (!list.current?.contains(event.target as Node) && event.target !== button.current) setOpen(false);
    };
    document.addEventListener('click', away);
    return () => document.removeEventListener('click', away);
  }, [open]);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  // Focus goes back to the button first: a dialog the item opens returns it there when it closes.
  const choose = (item: MenuItem) => {
    close();
    item.onSelect();
  };
  const onKey = (event: KeyboardEvent) => {
    const entries = [...(list.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowDown') entries[(at + 1) % entries.length]?.focus();
    else if (event.key === 'ArrowUp') entries[(at - 1 + entries.length) % entries.length]?.focus();
    else return;
    event.preventDefault();
  };
  return (
    <div class="menu">
      <button
        ref={button}
        type="button"
        class="icon"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <ul ref={list} id={menuId} role="menu" aria-label={label} onKeyDown={onKey}>
          {items.map((item) => (
            <li
              key={item.label}
              role="menuitem"
              tabIndex={-1}
              aria-disabled={item.disabled || undefined}
              onClick={() => !item.disabled && choose(item)}
              onKeyDown={(event) => {
                if ((event.key === 'Enter' || event.key === ' ') && !item.disabled) {
                  event.preventDefault();
                  choose(item);
                }
              }}
            >
              {item.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Status({ value, label }: { value: string; label: string }) {
  return <span class={`status status-${value}`}>{label}</span>;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p aria-live="polite">{t.common.loading}</p> : null;
}
