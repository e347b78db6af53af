/** What every screen needs: the typed API, who is signed in, and loading helpers. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api/client';
import { ApiError } from './api/client';
import type { Identity } from './auth';
import type { Config } from './config';
import { t } from './texts';

export interface Session {
  api: Api;
  identity: Identity;
  config: Config;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in tree');
  return session;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(t.errors.generic, 0, 'client');
}

/**
 * `load()` now and whenever `keys` change; `every` ms again while the page is visible (journals,
 * notifications: refreshed without reloading the page). A late answer never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[], every?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const run = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const value = await load();
      if (mine === latest.current) {
        setData(value);
        setError(undefined);
      }
    } catch (caught) {
      if (mine === latest.current) setError(asApiError(caught));
    } finally {
      if (mine === latest.current) setLoading(false);
    }
  }, keys);
  useEffect(() => {
    setLoading(true);
    void run();
    if (!every) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void run();
    }, every);
    return () => window.clearInterval(timer);
  }, [run, every]);
  return { data, error, loading, reload: run };
}

/** A submit in progress and its refusal, for forms: `busy` disables the button, `error` is shown. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (caught) {
      setError(asApiError(caught));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export const REFRESH_MS = 5000;

/** `value` once it has stopped changing for `ms`: a search asks the API once the typing pauses. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
