/** "Sécurité du compte": the signed-in account's authenticator app (TOTP MFA), set up or turned off. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { AuthError, disableTotp, finishTotpSetup, startTotpSetup, totpEnabled, type TotpSetup } from '../auth';
import { QrCode } from '../components/qr';
import { CopyField, ErrorMessage, Field, Loading } from '../components/ui';
import { groupSecret, totpCode } from '../rules/totp';
import { useSession } from '../session';
import { t } from '../texts';

/** The name the authenticator app shows above the account's codes. */
const ISSUER = 'vault-share';

export function Security() {
  const { identity } = useSession();
  const [enabled, setEnabled] = useState<boolean>();
  const [setup, setSetup] = useState<TotpSetup>();
  const [typed, setTyped] = useState('');
  const [touched, setTouched] = useState(false);
  const [refused, setRefused] = useState<string>(); // Cognito's word on the code, beside its field
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const setupTitle = useRef<HTMLHeadingElement>(null);
  const enableButton = useRef<HTMLButtonElement>(null);
  const doneMessage = useRef<HTMLParagraphElement>(null);
  const form = useRef<HTMLFormElement>(null);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setRefused(undefined);
    try {
      await action();
    } catch (caught) {
      const message = caught instanceof AuthError ? caught.message : t.errors.generic;
      if (caught instanceof AuthError && caught.wrongCode) setRefused(message);
      else setError(message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => void act(async () => setEnabled(await totpEnabled())), []);
  // Focus follows what appears: the setup's steps, the button again after cancelling, the outcome.
  useEffect(() => (setup ? setupTitle : enableButton).current?.focus(), [setup]);
  useEffect(() => doneMessage.current?.focus(), [done]);
  useEffect(() => {
    if (refused) form.current?.querySelector<HTMLInputElement>('input[aria-invalid]')?.focus();
  }, [refused]);

  const start = () =>
    act(async () => {
      setDone(undefined);
      setSetup(await startTotpSetup(ISSUER, identity.email));
    });

  const { code, problem } = totpCode(typed);
  const verify = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    await act(async () => {
      await finishTotpSetup(code);
      setSetup(undefined);
      setTyped('');
      setTouched(false);
      setEnabled(await totpEnabled());
      setDone(t.security.enabled);
    });
  };

  const cancel = () => {
    setSetup(undefined);
    setTyped('');
    setTouched(false);
    setRefused(undefined);
  };

  const disable = () => {
    if (!window.confirm(t.security.confirmDisable)) return;
    void act(async () => {
      await disableTotp();
      setEnabled(await totpEnabled());
      setDone(t.security.disabled);
    });
  };

  return (
    <>
      <h1>{t.security.title}</h1>
      <section class="card security" aria-labelledby="totp-title">
        <h2 id="totp-title">{t.security.totp}</h2>
        <p>{t.security.explain}</p>
        <Loading when={enabled === undefined && !error} />
        {enabled !== undefined && (
          <p data-testid="totp-state">
            {t.security.state} <strong>{enabled ? t.security.on : t.security.off}</strong>.{' '}
            {enabled ? t.security.onExplain : t.security.offExplain}
          </p>
        )}
        {done && (
          <p role="status" class="done" tabIndex={-1} ref={doneMessage}>
            {done}
          </p>
        )}
        <ErrorMessage error={error} />
        {enabled === true && (
          <button type="button" onClick={disable} disabled={busy}>
            {t.security.disable}
          </button>
        )}
        {enabled === false && !setup && (
          <button ref={enableButton} type="button" class="primary" onClick={start} disabled={busy}>
            {t.security.enable}
          </button>
        )}
        {enabled === false && setup && (
          <form ref={form} onSubmit={verify} noValidate aria-labelledby="totp-setup-title">
            <h3 id="totp-setup-title" tabIndex={-1} ref={setupTitle}>
              {t.security.setupTitle}
            </h3>
            <p>{t.security.scan}</p>
            <QrCode value={setup.uri} label={t.security.qr} />
            <p>{t.security.orType}</p>
            <CopyField
              label={t.security.secret}
              value={groupSecret(setup.secret)}
              copy={setup.secret}
              copyLabel={t.security.copy}
              copiedLabel={t.security.copied}
            />
            <Field
              label={t.security.code}
              class="code-input"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={typed}
              onInput={(e) => {
                setTyped((e.target as HTMLInputElement).value);
                setRefused(undefined);
              }}
              problem={refused ?? (touched && problem ? t.security.codeProblems[problem] : undefined)}
            />
            <div class="tools">
              <button type="submit" class="primary" disabled={busy}>
                {t.security.verify}
              </button>
              <button type="button" onClick={cancel}>
                {t.common.cancel}
              </button>
            </div>
          </form>
        )}
      </section>
    </>
  );
}
