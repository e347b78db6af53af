/**
 * Signing in with the vault account: Amplify v6's auth category against the Cognito user pool.
 *
 * Tokens live in memory only (a page reload asks to sign in again; nothing a script of another tab
 * or an extension reading localStorage could take). Amplify refreshes them with the refresh token
 * when they near their end; `idToken()` is what the API takes as `Authorization: Bearer`.
 */
import { Amplify } from '@aws-amplify/core';
import { confirmSignIn, fetchAuthSession, signIn, signOut } from '@aws-amplify/auth';
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

export class AuthError extends Error {}

function authMessage(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAuthorizedException' || name === 'UserNotFoundException') return t.auth.wrongPassword;
  if (name === 'CodeMismatchException') return t.auth.wrongTotp;
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

export async function signInWithPassword(email: string, password: string): Promise<SignInStep> {
  try {
    return step(await signIn({ username: email.trim(), password, options: { authFlowType: authFlow } }));
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(authMessage(error));
  }
}

export async function confirmTotp(code: string): Promise<SignInStep> {
  try {
    return step(await confirmSignIn({ challengeResponse: code }));
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(authMessage(error));
  }
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
