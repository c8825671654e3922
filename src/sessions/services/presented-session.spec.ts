import { toPresentedSession } from './presented-session';

describe('toPresentedSession', () => {
  const sqliteRow = {
    id: 'abcdefghijklmnopqrstuv',
    user_id: 7,
    token_hash: 'ab'.repeat(32),
    previous_hash: null,
    created_at: 1_764_000_000_000,
    expires_at: 1_764_600_000_000,
    revoked_at: null,
    last_used_at: 1_764_000_100_000,
    rotated_at: null,
    generation: 0,
    session_epoch: 2,
    amr: 'pwd,otp',
    auth_time: 1_764_000_050_000,
    username: 'kevin',
    permission_tier: 3,
    disabled: 0,
    token_version: 5,
    user_session_epoch: 3,
  };

  it('reads SQLite numbers and 0/1 booleans', () => {
    expect(toPresentedSession(sqliteRow)).toEqual({
      id: 'abcdefghijklmnopqrstuv',
      userId: 7,
      tokenHash: 'ab'.repeat(32),
      previousHash: null,
      createdAt: 1_764_000_000_000,
      expiresAt: 1_764_600_000_000,
      revokedAt: null,
      lastUsedAt: 1_764_000_100_000,
      rotatedAt: null,
      generation: 0,
      sessionEpoch: 2,
      amr: ['pwd', 'otp'],
      authTime: 1_764_000_050_000,
      owner: {
        id: 7,
        username: 'kevin',
        permissionTier: 3,
        disabled: false,
        tokenVersion: 5,
        sessionEpoch: 3,
      },
    });
  });

  it("reads MySQL's BIGINT strings the same way, and a disabled owner", () => {
    const mysqlRow = {
      ...sqliteRow,
      created_at: '1764000000000',
      expires_at: '1764600000000',
      revoked_at: '1764000200000',
      last_used_at: null,
      rotated_at: '1764000100000',
      previous_hash: 'cd'.repeat(32),
      disabled: 1,
      auth_time: '1764000050000',
    };
    const session = toPresentedSession(mysqlRow);
    expect(session).toMatchObject({
      authTime: 1_764_000_050_000,
      createdAt: 1_764_000_000_000,
      expiresAt: 1_764_600_000_000,
      revokedAt: 1_764_000_200_000,
      lastUsedAt: null,
      rotatedAt: 1_764_000_100_000,
      previousHash: 'cd'.repeat(32),
    });
    expect(session.owner.disabled).toBe(true);
  });

  it('reads a row from before amr and auth_time as a password login at its creation', () => {
    const session = toPresentedSession({
      ...sqliteRow,
      amr: null,
      auth_time: null,
    });
    expect(session.amr).toEqual(['pwd']);
    expect(session.authTime).toBe(1_764_000_000_000);
  });
});
