import { IsString, MaxLength } from 'class-validator';
import { ApiException } from './api.exception';
import { validateBody } from './validation';

class Sample {
  @IsString()
  @MaxLength(3)
  name!: string;
}

describe(validateBody.name, () => {
  async function errorOf(body: unknown): Promise<ApiException> {
    try {
      await validateBody(Sample, body);
    } catch (error) {
      return error as ApiException;
    }
    throw new Error('expected a validation error');
  }

  it('says a missing field is not a string rather than that it is too long', async () => {
    const error = await errorOf({});
    expect(error.code).toBe('validation_error');
    expect(error.message).toBe('name must be a string');
  });

  it('names an unknown field', async () => {
    expect((await errorOf({ name: 'ab', extra: 1 })).message).toBe(
      'property extra should not exist',
    );
  });

  it('refuses a body that is not an object', async () => {
    expect((await errorOf([1])).message).toBe(
      'Request body must be a JSON object',
    );
  });

  it('returns the typed DTO for a valid body', async () => {
    await expect(validateBody(Sample, { name: 'abc' })).resolves.toBeInstanceOf(
      Sample,
    );
  });
});
