import { ConfigError } from './env';
import { IngestionConfig, INGESTION_ENV_VARS, ProjectorConfig } from './app-config';

describe('app config', () => {
  it('has working defaults for this machine', () => {
    const c = IngestionConfig.parse({});
    expect(c).toMatchObject({
      PORT: 3000,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      CLICKHOUSE_URL: 'http://127.0.0.1:8123',
      CLICKHOUSE_DATABASE: 'wise',
      INGEST_SEND_TIMEOUT_MS: 4000,
    });
    expect(ProjectorConfig.parse({}).PROJECTOR_GROUP_ID).toBe('wise-projector');
  });

  it('parses values from strings', () => {
    const c = IngestionConfig.parse({ PORT: '8080', KAFKA_BROKERS: 'a:1, b:2', LOG_LEVEL: 'debug' });
    expect(c).toMatchObject({ PORT: 8080, KAFKA_BROKERS: ['a:1', 'b:2'], LOG_LEVEL: 'debug' });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      IngestionConfig.parse({
        PORT: 'eighty',
        INGEST_SEND_TIMEOUT_MS: '6000',
        CLICKHOUSE_DATABASE: 'wise; drop',
        LOG_LEVEL: 'loud',
        CLICKHOUSE_URL: 'nope',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'INGEST_SEND_TIMEOUT_MS', 'CLICKHOUSE_DATABASE', 'LOG_LEVEL', 'CLICKHOUSE_URL'])
      expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
    // Wise gives up after 5 s, so a send timeout of 6 s could answer after Wise stopped listening.
    expect(problems).toMatch(/INGEST_SEND_TIMEOUT_MS: expected a whole number from 100 to 4900, got "6000"/);
  });

  it('takes CLICKHOUSE_CLUSTER as empty (one server) or a plain cluster name', () => {
    expect(ProjectorConfig.parse({}).CLICKHOUSE_CLUSTER).toBe('');
    expect(ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'wise_cluster' }).CLICKHOUSE_CLUSTER).toBe('wise_cluster');
    expect(() => ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'x ON CLUSTER y' })).toThrow(/CLICKHOUSE_CLUSTER: expected a cluster name/);
  });

  it('lists the variables it reads', () => {
    expect(INGESTION_ENV_VARS).toEqual(expect.arrayContaining(['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'CLICKHOUSE_URL']));
    expect(INGESTION_ENV_VARS).not.toContain('PROJECTOR_GROUP_ID');
  });
});
