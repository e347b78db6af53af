/**
 * Signing in with the vault account: Amplify v6's auth category against the Cognito user pool.
 *
 * Tokens live in memory only (a page reload asks to sign in again; nothing a script of another tab
 * or an extension reading localStorage could take). Amplify refreshes them with the refresh token
 * when they near their end; `idToken()` is what the API takes as `Authorization: Bearer`.
 */
import { Amplify } from '@aws-amplify/core';
import {
  confirmSignIn,
  fetchAuthSession,
  fetchMFAPreference,
  setUpTOTP,
  signIn,
  signOut,
  updateMFAPreference,
  verifyTOTPSetup,
} from '@aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from '@aws-amplify/auth/cognito';
import type { Config } from './config';
import { t } from './texts';

class MemoryStorage {
  private items = new Map<string, string>();
  async setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  async getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  async removeItem(key: string) {
    this.items.delete(key);
  }
  async clear() {
    this.items.clear();
  }
}

let authFlow: NonNullable<Config['authFlow']> = 'USER_SRP_AUTH';

export function configureAuth(config: Config): void {
  const auth = {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.userPoolClientId,
      ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
    },
  };
  authFlow = config.authFlow ?? 'USER_SRP_AUTH';
  cognitoUserPoolsTokenProvider.setAuthConfig(auth);
  cognitoUserPoolsTokenProvider.setKeyValueStorage(new MemoryStorage());
  Amplify.configure({ Auth: auth }, { Auth: { tokenProvider: cognitoUserPoolsTokenProvider } });
}

export type SignInStep = 'done' | 'totp';

/** What Cognito refused, in French; `wrongCode` when it was the authenticator's code (shown beside its field). */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly wrongCode = false,
  ) {
    super(message);
  }
}

// Cognito's VerifySoftwareToken refuses a wrong code with EnableSoftwareTokenMFAException.
const WRONG_CODE = new Set(['CodeMismatchException', 'EnableSoftwareTokenMFAException']);

function authMessage(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAuthorizedException' || name === 'UserNotFoundException') return t.auth.wrongPassword;
  if (WRONG_CODE.has(name)) return t.auth.wrongTotp;
  if (name === 'TooManyRequestsException' || name === 'LimitExceededException') return t.auth.tooMany;
  if (name === 'UserAlreadyAuthenticatedException') return t.auth.already;
  if (name === 'NetworkError' || error instanceof TypeError) return t.auth.unreachable;
  return t.auth.failed;
}

function step(result: Awaited<ReturnType<typeof signIn>>): SignInStep {
  if (result.isSignedIn) return 'done';
  if (result.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_TOTP_CODE') return 'totp';
  throw new AuthError(t.auth.unsupportedStep);
}

/** `call()`'s result; what Cognito refused, as an AuthError in French. */
async function inFrench<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(authMessage(error), error instanceof Error && WRONG_CODE.has(error.name));
  }
}

export function signInWithPassword(email: string, password: string): Promise<SignInStep> {
  return inFrench(async () =>
    step(await signIn({ username: email.trim(), password, options: { authFlowType: authFlow } })),
  );
}

export function confirmTotp(code: string): Promise<SignInStep> {
  return inFrench(async () => step(await confirmSignIn({ challengeResponse: code })));
}

/** Whether the signed-in account's sign-in asks for its authenticator app's code. */
export function totpEnabled(): Promise<boolean> {
  return inFrench(async () => {
    const { enabled, preferred } = await fetchMFAPreference();
    return preferred === 'TOTP' || (enabled ?? []).includes('TOTP');
  });
}

export interface TotpSetup {
  secret: string;
  /** The otpauth:// URI the QR code holds. */
  uri: string;
}

/** A new shared secret for the account's authenticator app; it counts once a code is verified. */
export function startTotpSetup(app: string, account: string): Promise<TotpSetup> {
  return inFrench(async () => {
    const details = await setUpTOTP();
    return { secret: details.sharedSecret, uri: details.getSetupUri(app, account).toString() };
  });
}

/** The app's first code proves it holds the secret; then every sign-in asks for a code. */
export function finishTotpSetup(code: string): Promise<void> {
  return inFrench(async () => {
    await verifyTOTPSetup({ code });
    await updateMFAPreference({ totp: 'PREFERRED' });
  });
}

export function disableTotp(): Promise<void> {
  return inFrench(() => updateMFAPreference({ totp: 'DISABLED' }));
}

export interface Identity {
  email: string;
  userId: string;
}

export async function currentIdentity(): Promise<Identity | null> {
  const { tokens } = await fetchAuthSession();
  const payload = tokens?.idToken?.payload;
  if (!payload) return null;
  return { email: String(payload.email ?? ''), userId: String(payload.sub ?? '') };
}

/** The ID token for the API, refreshed by Amplify when it nears its end (or now, with `force`). */
export async function idToken(force = false): Promise<string | null> {
  const { tokens } = await fetchAuthSession(force ? { forceRefresh: true } : undefined);
  return tokens?.idToken?.toString() ?? null;
}

export async function signOutNow(): Promise<void> {
  await signOut();
}
