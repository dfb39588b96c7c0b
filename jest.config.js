// Unit specs live beside the code (*.spec.ts); tests against the real services live in test/
// (*.test.ts). One config, two projects, so `npm test` runs both and prints one total.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
// Nest 12 ships as ES modules, which Jest (unlike Node 20's require) cannot load as CommonJS: the
// unit specs of Nest services have Nest's own files compiled to CommonJS by the same transform.
const esmPackages = ['@nestjs'];
const nestTransform = {
  transform: { '^.+\\.ts$': swc, '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
};
const moduleNameMapper = {
  '^@wise/(contracts|config|kafka|clickhouse|postgres|observability|projections|projection-writer|rebuild|serving|testing)$':
    '<rootDir>/libs/$1/src',
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
      ...nestTransform,
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
