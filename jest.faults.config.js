// `npm run test:faults`: fault scenarios under load (test/faults/*.faults.ts), apart from `npm test`
// because each runs tens of seconds of traffic and private services. One at a time: they measure.
const base = require('./jest.config.js');
const services = base.projects.find((p) => p.displayName === 'services');

module.exports = {
  rootDir: __dirname,
  maxWorkers: 1,
  testTimeout: 600000,
  testMatch: ['<rootDir>/test/faults/*.faults.ts'],
  transform: services.transform,
  moduleNameMapper: services.moduleNameMapper,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
};
