import { rawDatabaseOf, type ClickHouseConnection } from '@wise/clickhouse';
import { uniqueName } from './ids';
import { TEST_DATABASE_URL } from './test-database';

export { TEST_DATABASE_URL };

/**
 * Environment for an app under test: the real local services, with topics, consumer group and
 * ClickHouse database of its own, so that test files never see each other's data.
 */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const run = uniqueName('t');
  return {
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_EVENTS_TOPIC: `test.${run}.events`,
    KAFKA_QUARANTINE_TOPIC: `test.${run}.quarantine`,
    KAFKA_TOPIC_PARTITIONS: '3',
    DATABASE_URL: TEST_DATABASE_URL,
    CLICKHOUSE_URL: 'http://127.0.0.1:8123',
    CLICKHOUSE_DATABASE: `wise_test_${run.slice(2)}`,
    PROJECTOR_GROUP_ID: `test-${run}`,
    PROJECTOR_BATCH_WAIT_MS: '50',
    PROJECTOR_RETRY_MAX_MS: '1000',
    PROJECTOR_METRICS_PORT: '0',
    INSTITUTES_REFRESH_MS: '200',
    PORT: '0',
    HOST: '127.0.0.1',
    ...overrides,
  };
}

/** Helpers that drop data refuse any database whose name does not say it is a test's. */
export function assertTestDatabase(name: string): void {
  if (!/test/.test(name)) throw new Error(`refusing to drop or wipe database "${name}": its name does not contain "test"`);
}

/** Drops a test's ClickHouse database and the raw database that goes with it (refusing any whose name does not say test). */
export async function dropTestDatabases(ch: Pick<ClickHouseConnection, 'command'>, database: string): Promise<void> {
  assertTestDatabase(database);
  // The raw one first: a connection to `database` cannot run anything once `database` is gone.
  for (const name of [rawDatabaseOf(database), database]) await ch.command('test-teardown', `DROP DATABASE IF EXISTS ${name}`);
}
