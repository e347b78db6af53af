import { describe, expect, it } from 'vitest';
import { groupSecret, totpCode } from '../src/rules/totp';

describe('the authenticator secret and code', () => {
  it.each([
    ['', ''],
    ['ABC', 'ABC'],
    ['ABCD', 'ABCD'],
    ['ABCDEFGHIJ', 'ABCD EFGH IJ'],
    [
      'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW',
      'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW',
    ],
    [' AB CD\nEF ', 'ABCD EF'],
  ])('groups %j by 4 as %j', (secret, grouped) => {
    expect(groupSecret(secret)).toBe(grouped);
  });

  it.each([
    ['123456', '123456', null],
    ['123 456', '123456', null],
    [' 012345 ', '012345', null],
    ['', '', 'empty'],
    ['12345', '12345', 'length'],
    ['1234567', '1234567', 'length'],
    ['12a456', '12a456', 'digits'],
  ])('takes %j as %j (%s)', (typed, code, problem) => {
    expect(totpCode(typed)).toEqual({ code, problem });
  });
});
