/** The authenticator app (TOTP): its shared secret as people type it, and the code it shows. */
import { codeProblem } from './code';

/** The base32 secret in groups of 4 ("ABCD EFGH …"), as authenticator apps accept it typed. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * The code as the account's owner typed it, spaces removed (apps show "123 456"), and what is wrong
 * with it: the same 6-digit rule as a link's code.
 */
export function totpCode(typed: string): { code: string; problem: ReturnType<typeof codeProblem> } {
  const code = typed.replace(/\s+/g, '');
  return { code, problem: codeProblem(code) };
}
