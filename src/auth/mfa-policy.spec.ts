import { RequestMethod } from '@nestjs/common';
import {
  mfaRequiredFor,
  mfaSatisfied,
  usableBeforeEnrolment,
} from './mfa-policy';

describe('the second-factor policy', () => {
  it.each([
    [RequestMethod.GET, 'auth/me', true],
    [RequestMethod.POST, 'auth/logout', true],
    [RequestMethod.GET, 'auth/mfa', true],
    [RequestMethod.POST, '/auth/mfa/totp/confirm', true],
    [RequestMethod.DELETE, 'Auth//MFA/totp', true],
    [RequestMethod.POST, 'auth/password', true],
    [RequestMethod.POST, 'auth/ws-ticket', false],
    [RequestMethod.POST, 'auth/api-keys', false],
    [RequestMethod.GET, 'auth/sessions', false],
    [RequestMethod.POST, 'auth/mfa-elsewhere', false],
    [RequestMethod.GET, 'orders', false],
  ])('%s %s usable before enrolment: %s', (method, path, usable) => {
    expect(usableBeforeEnrolment(method, path)).toBe(usable);
  });

  it('asks for a second factor in amr, and a recent one with maxAge', () => {
    expect(mfaSatisfied(['pwd'], 1000, {}, 1000)).toBe(false);
    expect(mfaSatisfied(undefined, undefined, {}, 1000)).toBe(false);
    expect(mfaSatisfied(['pwd', 'otp'], 0, {}, 1000)).toBe(true);
    expect(mfaSatisfied(['pwd', 'otp'], 700, { maxAge: 300 }, 1000)).toBe(true);
    expect(mfaSatisfied(['pwd', 'otp'], 699, { maxAge: 300 }, 1000)).toBe(
      false,
    );
  });

  it('obliges the tiers from MFA_REQUIRED_TIER up, and nobody without it', () => {
    expect(mfaRequiredFor(4, 3)).toBe(true);
    expect(mfaRequiredFor(3, 3)).toBe(true);
    expect(mfaRequiredFor(2, 3)).toBe(false);
    expect(mfaRequiredFor(4, undefined)).toBe(false);
  });
});
