import { ApiException } from '../../common/api.exception';
import { ErrorCode } from '../../common/error-codes';
import { AppConfig } from '../../config/app-config';
import { PasswordHasher } from './password-hasher.service';

function hasherWith(concurrency: number, queue: number): PasswordHasher {
  return new PasswordHasher({
    passwordHashConcurrency: concurrency,
    passwordHashQueue: queue,
  } as AppConfig);
}

describe(PasswordHasher.name, () => {
  let hasher: PasswordHasher;

  afterEach(() => hasher.onModuleDestroy());

  it('answers 503 service_unavailable with Retry-After once every thread is busy and the queue is full', async () => {
    hasher = hasherWith(1, 1);
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse');
    const attempts = [1, 2, 3].map(() =>
      hasher.verify(stored, 'correct horse').then(
        (ok) => ({ ok }),
        (error: unknown) => error,
      ),
    );
    const [first, second, third] = await Promise.all(attempts);
    expect(first).toEqual({ ok: true });
    expect(second).toEqual({ ok: true });
    expect(third).toBeInstanceOf(ApiException);
    expect((third as ApiException).getStatus()).toBe(503);
    expect((third as ApiException).body).toEqual({
      error: expect.any(String),
      code: ErrorCode.ServiceUnavailable,
    });
    expect((third as ApiException).headers).toEqual({ 'Retry-After': '1' });
  });

  it('refuses a dummy verification the same way, so an unknown user cannot slip past a full queue', async () => {
    hasher = hasherWith(1, 0);
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse');
    const busy = hasher.verify(stored, 'correct horse');
    await expect(hasher.verifyDummy('anything')).rejects.toBeInstanceOf(
      ApiException,
    );
    await expect(busy).resolves.toBe(true);
  });

  it('is false for a wrong password, an unparsable stored hash and an unknown user', async () => {
    hasher = hasherWith(1, 4);
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse');
    await expect(hasher.verify(stored, 'wrong horse')).resolves.toBe(false);
    await expect(hasher.verify('not a hash', 'correct horse')).resolves.toBe(
      false,
    );
    await expect(hasher.verifyDummy('correct horse')).resolves.toBe(false);
  });
});
