import { describe, expect, it } from 'vitest';
import { codeProblem, generateCode, isCode } from '../src/rules/code';

describe('the 6-digit code', () => {
  it.each([
    ['', 'empty'],
    ['12a456', 'digits'],
    ['12 456', 'digits'],
    ['١٢٣٤٥٦', 'digits'], // Arabic-Indic digits are not what the API takes
    ['12345', 'length'],
    ['1234567', 'length'],
    ['012345', null],
  ])('%j is %s', (value, problem) => {
    expect(codeProblem(value)).toBe(problem);
    expect(isCode(value)).toBe(problem === null);
  });

  it('generates six digits, leading zeros kept', () => {
    const zero = {
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => (new Uint32Array(a!.buffer).fill(7), a),
    };
    expect(generateCode(zero as Crypto)).toBe('000007');
    for (let i = 0; i < 200; i++) expect(isCode(generateCode())).toBe(true);
  });

  it('throws away the draws that would favour low codes', () => {
    // 2^32 - 1 lies in the incomplete last block of 10^6: taking it modulo would make codes
    // below 967295 likelier. It must be drawn again.
    const draws = [2 ** 32 - 1, 4_294_000_000, 123_456];
    const source = {
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => (new Uint32Array(a!.buffer).fill(draws.shift()!), a),
    };
    expect(generateCode(source as Crypto)).toBe('123456');
    expect(draws).toEqual([]);
  });

  it('spreads the codes evenly (each first digit about a tenth of the time)', () => {
    const counts = new Array(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[Number(generateCode()[0])]++;
    for (const count of counts) expect(Math.abs(count - n / 10)).toBeLessThan(n / 10 / 5);
  });
});
