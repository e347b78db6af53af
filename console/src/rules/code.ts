/** The 6-digit code that guards a link or an invitation: typed by the owner, or generated here. */
export const CODE_LENGTH = 6;
const PATTERN = /^[0-9]{6}$/;

export function isCode(value: string): boolean {
  return PATTERN.test(value);
}

/** What to tell the owner about a typed code, or null when it is a valid code. */
export function codeProblem(value: string): 'empty' | 'digits' | 'length' | null {
  if (value === '') return 'empty';
  if (/[^0-9]/.test(value)) return 'digits';
  if (value.length !== CODE_LENGTH) return 'length';
  return null;
}

type RandomSource = Pick<Crypto, 'getRandomValues'>;

/**
 * A code drawn uniformly from 000000–999999 by the browser's CSPRNG: 32-bit draws at or above the
 * largest multiple of 10^6 are thrown away, so that no code is likelier than another.
 */
export function generateCode(random: RandomSource = globalThis.crypto): string {
  const space = 10 ** CODE_LENGTH;
  const limit = Math.floor(2 ** 32 / space) * space;
  const draw = new Uint32Array(1);
  for (;;) {
    random.getRandomValues(draw);
    const value = draw[0]!;
    if (value < limit) return String(value % space).padStart(CODE_LENGTH, '0');
  }
}
