import { readdirSync, readFileSync } from 'node:fs';
import { ARGON2_OPTIONS } from './password-hasher.service';
import { PasswordHashPool } from './password-hash-pool';

/** Niceness of each thread of this process (Linux /proc). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe(PasswordHashPool.name, () => {
  let pool: PasswordHashPool;
  beforeAll(() => {
    pool = new PasswordHashPool(1, 7, ARGON2_OPTIONS);
  });
  afterAll(() => pool.close());

  it('hashes with argon2id and verifies right and wrong passwords', async () => {
    const hash = await pool.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(pool.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(pool.verify(hash, 'correct horsf')).resolves.toBe(false);
  });

  it('rejects a stored hash it cannot parse', async () => {
    await expect(pool.verify('not-a-hash', 'x')).rejects.toThrow();
  });

  it('runs its worker at the lowered priority, the other threads untouched', () => {
    const niceness = threadNiceness();
    expect(niceness).toContain(7);
    expect(niceness).toContain(0);
  });
});
