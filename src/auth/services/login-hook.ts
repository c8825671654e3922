import type { User } from '../../users/entities/user.entity';

/**
 * Test seam, not a feature: when a provider for LOGIN_HOOK exists (nothing in
 * src/ provides one), AuthService.login awaits it after the credentials were
 * checked and before the session row is inserted. The race tests use it to
 * hold a login there while an admin changes the user. A test provides it from
 * a @Global() module passed to TestApp.start's features.
 */
export const LOGIN_HOOK = Symbol('LOGIN_HOOK');

export interface LoginHook {
  beforeSessionInsert(user: User): Promise<void>;
}
