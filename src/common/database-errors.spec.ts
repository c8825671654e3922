import { QueryFailedError, TypeORMError } from 'typeorm';
import { isDatabaseUnavailable } from './database-errors';

describe(isDatabaseUnavailable.name, () => {
  it('recognises a refused connection, also wrapped by TypeORM', () => {
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:3306'),
      { code: 'ECONNREFUSED' },
    );
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(
      isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], refused)),
    ).toBe(true);
  });

  it('recognises a closed SQLite connection', () => {
    expect(
      isDatabaseUnavailable(
        new TypeError('The database connection is not open'),
      ),
    ).toBe(true);
  });

  it("recognises TypeORM's MySQL driver after its pool is gone (shutdown)", () => {
    expect(
      isDatabaseUnavailable(
        new TypeORMError('Connection is not established with mysql database'),
      ),
    ).toBe(true);
  });

  it('does not take query errors or bugs for an outage', () => {
    const duplicate = Object.assign(new Error('Duplicate entry'), {
      code: 'ER_DUP_ENTRY',
    });
    expect(
      isDatabaseUnavailable(new QueryFailedError('INSERT', [], duplicate)),
    ).toBe(false);
    expect(
      isDatabaseUnavailable(
        new TypeError("Cannot read properties of undefined (reading 'id')"),
      ),
    ).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
