import { useState } from 'preact/hooks';
import { AuthError, confirmTotp, signInWithPassword, type SignInStep } from '../auth';
import { ErrorMessage, Field } from '../components/ui';
import { totpCode } from '../rules/totp';
import { t } from '../texts';

/** The vault account's e-mail and password; then the authenticator's code when the account has MFA. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [step, setStep] = useState<SignInStep | 'password'>('password');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const next = step === 'totp' ? await confirmTotp(totpCode(totp).code) : await signInWithPassword(email, password);
      if (next === 'done') onSignedIn();
      else setStep(next);
    } catch (error) {
      setProblem(error instanceof AuthError ? error.message : t.auth.failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>{t.app.name}</h1>
      <form onSubmit={submit} class="card" aria-labelledby="signin-title">
        <h2 id="signin-title">{t.auth.title}</h2>
        {step === 'totp' ? (
          <Field
            label={t.auth.totp}
            inputMode="numeric"
            autoComplete="one-time-code"
            value={totp}
            onInput={(e) => setTotp((e.target as HTMLInputElement).value)}
            required
          />
        ) : (
          <>
            <Field
              label={t.auth.email}
              type="email"
              autoComplete="username"
              value={email}
              onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
              required
            />
            <Field
              label={t.auth.password}
              type="password"
              autoComplete="current-password"
              value={password}
              onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
              required
            />
          </>
        )}
        <ErrorMessage error={problem} />
        <button type="submit" class="primary" disabled={busy}>
          {t.auth.submit}
        </button>
      </form>
    </main>
  );
}
