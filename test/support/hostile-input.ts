import fc from 'fast-check';

/**
 * What a hostile client might send, shared by the fuzz suite and the metrics
 * suite (which checks that none of it becomes a label).
 */

export const deepArrays = fc
  .integer({ min: 1, max: 5000 })
  .map((levels) => '['.repeat(levels) + ']'.repeat(levels));

export const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 5000 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e300, 2 ** 53, -0, 1.5, true, false, null, ''),
);

export const jsonValue = fc.oneof(
  scalar,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(scalar, { maxLength: 4 }),
);

export const FIELDS = [
  'username',
  'password',
  'permission_tier',
  'disabled',
  'refresh_token',
  'token',
  'code',
  'otp',
  'mfa_token',
  '__proto__',
  'constructor',
];

export const bodyObject = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })),
  jsonValue,
  { maxKeys: 5 },
);

/** Bodies close to valid ones, so the checks past validation run too. */
export const plausibleBody = fc.record(
  {
    username: fc.oneof(
      fc.constantFrom('root-admin', 'fuzz-victim', 'fuzz-monitor'),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,70}$/),
    ),
    password: fc.oneof(
      fc.string({ minLength: 8, maxLength: 30 }),
      fc.constant('admin-password-1'),
    ),
    permission_tier: fc.oneof(fc.integer({ min: -1, max: 6 }), scalar),
    disabled: fc.oneof(fc.boolean(), scalar),
    refresh_token: fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/),
    ),
  },
  { requiredKeys: [] },
);

export const rawBody = fc.oneof(
  bodyObject.map((value) => JSON.stringify(value)),
  plausibleBody.map((value) => JSON.stringify(value)),
  jsonValue.map((value) => JSON.stringify(value)),
  deepArrays,
  deepArrays.map((arrays) => `{"username":${arrays},"password":"x"}`),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
);

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  undefined,
);

export const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('page', 'per_page', 'token', 'password', 'username'),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.constantFrom('1e300', '-0', '0x10', '1.5', ' 2', 'NaN', 'Infinity'),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`,
  );
