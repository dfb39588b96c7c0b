// `npm run test:cluster`: the pipeline on the cluster stack (scripts/stack/cluster.sh: three Kafka
// brokers, ZooKeeper, ClickHouse 2 shards x 2 replicas), apart from `npm test` because it starts
// eight more servers. One file at a time: several inject faults into the shared cluster.
const base = require('./jest.config.js');
const services = base.projects.find((p) => p.displayName === 'services');

module.exports = {
  rootDir: __dirname,
  maxWorkers: 1,
  testTimeout: 900000,
  testMatch: ['<rootDir>/test/cluster/**/*.cluster.ts'],
  transform: services.transform,
  moduleNameMapper: services.moduleNameMapper,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
};
