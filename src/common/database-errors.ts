/** Error codes of mysql2 / better-sqlite3 / Node sockets that mean "the database is not there". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

/** True when an error (or the driver error TypeORM wraps) says the database cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const { code, name, message } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (
      name === 'CannotExecuteNotConnectedError' ||
      name === 'ConnectionIsNotSetError'
    )
      return true;
    if (
      typeof message === 'string' &&
      /database connection is not open|Pool is closed|Connection is not established/i.test(
        message,
      )
    ) {
      return true;
    }
    current =
      (current as { driverError?: unknown; cause?: unknown }).driverError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when an insert or update broke a unique key or primary key (the race a unique key is there to decide). */
export function isUniqueViolation(error: unknown): boolean {
  // TypeORM wraps the driver's error; PreparedStatements throws it as it is.
  const wrapped = error as {
    driverError?: { code?: unknown };
    code?: unknown;
  } | null;
  const code = wrapped?.driverError?.code ?? wrapped?.code;
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
