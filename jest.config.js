// Unit specs live beside the code (*.spec.ts); tests against the real services live in test/
// (*.test.ts). One config, two projects, so `npm test` runs both and prints one total.
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
}];
const moduleNameMapper = {
  '^@wise/(contracts|config|kafka|clickhouse|postgres|observability|projections|testing)$': '<rootDir>/libs/$1/src',
};
module.exports = {
  // Two cores: unit specs and service tests share them. Service tests isolate by fresh data.
  maxWorkers: 2,
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{apps,libs,tools,bench}/**/*.spec.ts'],
      transform: { '^.+\\.ts$': swc },
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'services',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
};
