import { Tier } from '../auth/tier';
import { judge, parseStoredAllowlist } from './api-key-authenticator.service';
import type { KeyWithOwner } from './api-key.store';
import { ApiKey } from './entities/api-key.entity';

function row(
  key: Partial<ApiKey> = {},
  owner: Partial<KeyWithOwner['owner']> = {},
): KeyWithOwner {
  return {
    key: {
      id: 'k'.repeat(22),
      userId: 3,
      name: 'bot',
      type: 'secret',
      secretHash: '00'.repeat(32),
      publicKey: null,
      scopes: '["read","trade"]',
      permissionTier: Tier.Power,
      ipAllowlist: '["127.0.0.1"]',
      sessionEpoch: 2,
      createdAt: 0,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
      ...key,
    },
    owner: {
      username: 'mm1',
      permissionTier: Tier.Admin,
      disabled: false,
      tokenVersion: 5,
      sessionEpoch: 2,
      ...owner,
    },
  };
}

describe(judge.name, () => {
  it("caps the tier to the owner's current one and carries the owner's token version", () => {
    const verdict = judge(row({}, { permissionTier: Tier.Trader }), 1_000);
    expect(verdict.valid && verdict.principal).toMatchObject({
      id: 3,
      username: 'mm1',
      tier: Tier.Trader,
      tokenVersion: 5,
      sessionId: 'k'.repeat(22),
      apiKeyId: 'k'.repeat(22),
      scopes: ['read', 'trade'],
    });
    expect(judge(row(), 1_000).valid && judge(row(), 1_000)).toMatchObject({
      principal: { tier: Tier.Power },
    });
  });

  it.each([
    ['revoked', row({ revokedAt: 1 })],
    ['owner disabled', row({}, { disabled: true })],
    ["owner's sessions ended since", row({}, { sessionEpoch: 3 })],
    ['unreadable allowlist', row({ ipAllowlist: '{' })],
    ['allowlist of non-strings', row({ ipAllowlist: '[1]' })],
    ['a secret key without its hash', row({ secretHash: null })],
    [
      'an ed25519 key without its public key',
      row({ type: 'ed25519', secretHash: null }),
    ],
    [
      'an ed25519 key whose public key is not one',
      row({ type: 'ed25519', secretHash: null, publicKey: 'x' }),
    ],
    ['a key of an unknown type', row({ type: 'hmac' as 'secret' })],
    ['an unknown scope', row({ scopes: '["read","withdraw"]' })],
    ['unreadable scopes', row({ scopes: 'read' })],
  ])('is invalid when %s', (_why, found) => {
    expect(judge(found, 1_000).valid).toBe(false);
  });
});

it('judges an ed25519 key by its public key alone', () => {
  const verdict = judge(
    row({
      type: 'ed25519',
      secretHash: null,
      publicKey: Buffer.alloc(32, 7).toString('base64url'),
    }),
    1_000,
  );
  expect(verdict.valid && verdict.proof.type).toBe('ed25519');
});

describe(parseStoredAllowlist.name, () => {
  it('reads a JSON array of strings only', () => {
    expect(parseStoredAllowlist('[]')).toEqual([]);
    expect(parseStoredAllowlist('["10.0.0.0/8"]')).toEqual(['10.0.0.0/8']);
    expect(parseStoredAllowlist('null')).toBeUndefined();
    expect(parseStoredAllowlist('"x"')).toBeUndefined();
  });
});
