import { ConfigError } from '../config/load-config';
import { checkBootstrapAdmin } from './bootstrap-admin-settings';

function errorOf(username: string, password: string): string {
  try {
    checkBootstrapAdmin({
      bootstrapAdminUsername: username,
      bootstrapAdminPassword: password,
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe(checkBootstrapAdmin.name, () => {
  it('accepts what POST /admin/users accepts', () => {
    expect(errorOf('root-admin', 'admin-password-1')).toBe('');
    expect(() => checkBootstrapAdmin({})).not.toThrow();
  });

  it.each([
    [
      'ab',
      'long-enough-1',
      /^BOOTSTRAP_ADMIN_USERNAME must be 3-64 characters/,
    ],
    ['a b c', 'long-enough-1', /^BOOTSTRAP_ADMIN_USERNAME must be 3-64/],
    ['x'.repeat(65), 'long-enough-1', /^BOOTSTRAP_ADMIN_USERNAME must be 3-64/],
    [
      'admin',
      'short',
      /^BOOTSTRAP_ADMIN_PASSWORD must be longer than or equal to 8 characters$/,
    ],
    [
      'admin',
      'é'.repeat(513),
      /^BOOTSTRAP_ADMIN_PASSWORD must be at most 1024 bytes/,
    ],
  ])('refuses %j / %j', (username, password, message) => {
    const error = errorOf(username, password);
    expect(error).toMatch(message);
    expect(error).not.toContain(password);
  });
});
