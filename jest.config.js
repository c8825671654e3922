// @ts-check
// Our TypeScript is compiled to CommonJS by ts-jest, as tsc does for the
// build. Nest 12 ships ES modules only; Node 20.19+ can require() them, but
// Jest's own module loader cannot, so babel-jest rewrites them to CommonJS
// (import.meta.url included) as Jest loads them. So do the ESM-only packages
// that CommonJS dependencies require: content-disposition 3 (@fastify/static,
// which serves /docs) and cookie 2 (light-my-request, Fastify's inject); and
// @noble/ed25519, the tests' independent Ed25519 signer; and jose, which
// signs and verifies ES256/EdDSA access tokens.
const ESM_ONLY_PACKAGES = [
  '@nestjs',
  'content-disposition',
  'cookie',
  '@noble',
  'jose',
];

/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }],
  '^.+\\.js$': [
    'babel-jest',
    {
      babelrc: false,
      configFile: false,
      plugins: [
        // As an import, not a require() call: @nestjs/typeorm declares its own
        // top-level `require`, which an inserted require() would refer to.
        ['babel-plugin-transform-import-meta', { module: 'ES6' }],
        // import('class-validator') and the like become require() too: a
        // real import() needs Jest's experimental VM modules.
        '@babel/plugin-transform-dynamic-import',
        '@babel/plugin-transform-modules-commonjs',
      ],
    },
  ],
};

const transformIgnorePatterns = [
  `/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`,
];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
    },
  ],
  testTimeout: 30000,
};
