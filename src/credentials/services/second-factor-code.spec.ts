import { RECOVERY_CODE_FORMAT } from './recovery-codes.service';
import {
  SECOND_FACTOR_CODE_FORMAT,
  TOTP_CODE_FORMAT,
} from './second-factor-check.service';

describe('second-factor code formats', () => {
  it.each(['123456', '000000'])('takes %s as a TOTP code', (code) => {
    expect(TOTP_CODE_FORMAT.test(code)).toBe(true);
    expect(SECOND_FACTOR_CODE_FORMAT.test(code)).toBe(true);
    expect(RECOVERY_CODE_FORMAT.test(code)).toBe(false);
  });

  it.each(['abcd-efgh-2345-wxyz', 'ABCDEFGH2345WXYZ', 'abcd-efgh2345-WXYZ'])(
    'takes %s as a recovery code, hyphens and case optional',
    (code) => {
      expect(RECOVERY_CODE_FORMAT.test(code)).toBe(true);
      expect(SECOND_FACTOR_CODE_FORMAT.test(code)).toBe(true);
      expect(TOTP_CODE_FORMAT.test(code)).toBe(false);
    },
  );

  it.each([
    '',
    '12345',
    '1234567',
    '12345a',
    ' 123456',
    '123456\n',
    'abcd-efgh-2345-wxy1',
    'abcd-efgh-2345-wxyz-',
    'abcd--efgh-2345-wxyz',
    'abcd-efgh-2345',
    '１２３４５６',
  ])('refuses %j', (code) => {
    expect(SECOND_FACTOR_CODE_FORMAT.test(code)).toBe(false);
  });
});
