/**
 * Paths under the build's base (/app/): deep links are answered by the app (the local stack and
 * CloudFront serve index.html for them). A dozen lines instead of a router package: six routes.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

export interface Place {
  path: string;
  query: URLSearchParams;
}

function here(): Place {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '/';
  return { path: path || '/', query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  window.history.pushState(null, '', `${BASE}${to}`);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

export function usePlace(): Place {
  const [place, setPlace] = useState(here);
  useEffect(() => {
    const update = () => setPlace(here());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return place;
}

/** The route's parameters when `pattern` (e.g. `/vaults/:vaultId`) matches `path`, else null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const expression = pattern.replace(/:(\w+)/g, (_all, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const found = new RegExp(`^${expression}/?$`).exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
}

export function Link(props: { href: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  const { href, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={`${BASE}${href}`} onClick={onClick}>
      {children}
    </a>
  );
}

export const path = {
  vaults: () => '/',
  security: () => '/account/security',
  vault: (vaultId: string) => `/vaults/${encodeURIComponent(vaultId)}`,
  dossier: (vaultId: string, dossierId: string) =>
    `/vaults/${encodeURIComponent(vaultId)}/dossiers/${encodeURIComponent(dossierId)}`,
  persons: (vaultId: string, from?: string) =>
    `/vaults/${encodeURIComponent(vaultId)}/persons${from ? `?from=${encodeURIComponent(from)}` : ''}`,
  person: (vaultId: string, personId: string, from?: string) =>
    `/vaults/${encodeURIComponent(vaultId)}/persons/${encodeURIComponent(personId)}${from ? `?from=${encodeURIComponent(from)}` : ''}`,
};
