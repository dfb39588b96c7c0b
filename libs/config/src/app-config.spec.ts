import { ConfigError } from './env';
import { CliConfig, CommonConfig, IngestionConfig, INGESTION_ENV_VARS, ProjectorConfig } from './app-config';

/** The problems a parse reports, or none. */
const problemsOf = (parse: () => unknown): string[] => {
  try {
    parse();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

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

  it('connects each app to PostgreSQL as its own role by default, and the CLI as the owner', () => {
    const user = (url: string) => new URL(url).username;
    expect(user(IngestionConfig.parse({}).DATABASE_URL)).toBe('wise_ingestion');
    expect(user(ProjectorConfig.parse({}).DATABASE_URL)).toBe('wise_projector');
    const cli = CliConfig.parse({});
    expect([cli.DATABASE_URL, user(cli.INGESTION_DATABASE_URL), user(cli.PROJECTOR_DATABASE_URL)]).toEqual([
      'postgres://postgres@127.0.0.1:5432/wise',
      'wise_ingestion',
      'wise_projector',
    ]);
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
    const servers = 'http://ch-1a:8123, http://ch-1b:8123';
    const c = ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'wise_cluster', CLICKHOUSE_CLUSTER_SERVERS: servers });
    expect([c.CLICKHOUSE_CLUSTER, c.CLICKHOUSE_CLUSTER_SERVERS]).toEqual(['wise_cluster', ['http://ch-1a:8123', 'http://ch-1b:8123']]);
    // Without its servers a cluster's shards cannot be reached one by one (serving rounds' drops).
    expect(() => ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'wise_cluster' })).toThrow(
      /CLICKHOUSE_CLUSTER_SERVERS is empty: list every server/,
    );
    expect(() => ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'wise_cluster', CLICKHOUSE_CLUSTER_SERVERS: 'ch-1a' })).toThrow(
      /CLICKHOUSE_CLUSTER_SERVERS: expected comma-separated URLs/,
    );
    expect(() => ProjectorConfig.parse({ CLICKHOUSE_CLUSTER: 'x ON CLUSTER y' })).toThrow(/CLICKHOUSE_CLUSTER: expected a cluster name/);
  });

  describe('refuses combinations that can only fail, naming both variables', () => {
    it.each<[string, Record<string, string>, RegExp]>([
      [
        'a queue smaller than the largest record of one body',
        { BODY_LIMIT_BYTES: '1048576', INGEST_QUEUE_MAX_BYTES: '1048576' },
        /^INGEST_QUEUE_MAX_BYTES \(1048576\) is smaller than the largest Kafka record a body of BODY_LIMIT_BYTES \(1048576\) makes \(1463638 bytes\)/,
      ],
      [
        'a body limit raised past the default queue',
        { BODY_LIMIT_BYTES: String(32 * 1024 * 1024) },
        /^INGEST_QUEUE_MAX_BYTES \(33554432\) is smaller than .* BODY_LIMIT_BYTES \(33554432\)/,
      ],
      [
        'a staleness bound below the refresh interval',
        { INSTITUTES_REFRESH_MS: '60000', INSTITUTES_MAX_STALENESS_MS: '30000' },
        /^INSTITUTES_MAX_STALENESS_MS \(30000\) is less than twice INSTITUTES_REFRESH_MS \(60000\)/,
      ],
      [
        'a staleness bound of one refresh interval',
        { INSTITUTES_REFRESH_MS: '5000', INSTITUTES_MAX_STALENESS_MS: '5000' },
        /^INSTITUTES_MAX_STALENESS_MS \(5000\) is less than twice INSTITUTES_REFRESH_MS/,
      ],
      [
        'a linger as long as the send timeout',
        { INGEST_LINGER_MS: '1000', INGEST_SEND_TIMEOUT_MS: '1000' },
        /^INGEST_LINGER_MS \(1000\) is not less than half of INGEST_SEND_TIMEOUT_MS \(1000\)/,
      ],
      [
        "an institute's share below one body",
        { BODY_LIMIT_BYTES: '2097152', INGEST_INSTITUTE_MAX_BYTES: '1048576' },
        /^INGEST_INSTITUTE_MAX_BYTES \(1048576\) is smaller than BODY_LIMIT_BYTES \(2097152\): a body of the limit would get 503 on every try/,
      ],
      [
        "an institute's share above the whole process's",
        { INGEST_QUEUE_MAX_BYTES: '4194304', INGEST_INSTITUTE_MAX_BYTES: '8388608' },
        /^INGEST_INSTITUTE_MAX_BYTES \(8388608\) is larger than INGEST_QUEUE_MAX_BYTES \(4194304\)/,
      ],
      ['the webhook and operations ports on one address', { PORT: '9000', OPS_PORT: '9000' }, /^PORT and OPS_PORT are both 9000/],
      [
        'the webhook and operations ports on a wildcard and loopback',
        { PORT: '9000', OPS_PORT: '9000', HOST: '::', OPS_HOST: '127.0.0.1' },
        /^PORT and OPS_PORT/,
      ],
      [
        'one topic for events and quarantine',
        { KAFKA_EVENTS_TOPIC: 'wise', KAFKA_QUARANTINE_TOPIC: 'wise' },
        /^KAFKA_EVENTS_TOPIC and KAFKA_QUARANTINE_TOPIC are both "wise"/,
      ],
    ])('%s', (_case, env, problem) => {
      const problems = problemsOf(() => IngestionConfig.parse(env));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
    });

    it('lists every such problem at once, in the error a starting app prints', () => {
      let message = '';
      try {
        IngestionConfig.parse({ INGEST_QUEUE_MAX_BYTES: '1048576', INSTITUTES_REFRESH_MS: '600000' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/INGEST_QUEUE_MAX_BYTES .* BODY_LIMIT_BYTES/);
      expect(message).toMatch(/INSTITUTES_MAX_STALENESS_MS .* INSTITUTES_REFRESH_MS/);
    });

    it('checks the topics for the projector and the CLI too', () => {
      const env = { KAFKA_EVENTS_TOPIC: 'x', KAFKA_QUARANTINE_TOPIC: 'x' };
      expect(problemsOf(() => ProjectorConfig.parse(env))).toEqual([
        expect.stringMatching(/^KAFKA_EVENTS_TOPIC and KAFKA_QUARANTINE_TOPIC/),
      ]);
      expect(problemsOf(() => CommonConfig.parse(env))).toHaveLength(1);
    });

    it.each<[string, Record<string, string>]>([
      ['the defaults', {}],
      ['a queue of exactly one largest record', { BODY_LIMIT_BYTES: '1048576', INGEST_QUEUE_MAX_BYTES: '1463638' }],
      ['staleness of exactly two refreshes', { INSTITUTES_REFRESH_MS: '5000', INSTITUTES_MAX_STALENESS_MS: '10000' }],
      ['the same port on two distinct addresses', { PORT: '9000', OPS_PORT: '9000', HOST: '10.0.0.5', OPS_HOST: '127.0.0.1' }],
      ['an operations port chosen by the system', { PORT: '9000', OPS_PORT: '0' }],
      ['one institute allowed the whole process (a single institute)', { INGEST_INSTITUTE_MAX_BYTES: '33554432' }],
      ['a smaller queue, whose institute share follows it', { INGEST_QUEUE_MAX_BYTES: '4194304' }],
    ])('accepts %s', (_case, env) => {
      expect(problemsOf(() => IngestionConfig.parse(env))).toEqual([]);
    });
  });

  it.each<[string, Record<string, string>, number]>([
    ['the defaults: a quarter of INGEST_QUEUE_MAX_BYTES', {}, 8 * 1024 * 1024],
    ['a quarter of a smaller queue', { INGEST_QUEUE_MAX_BYTES: '4194304' }, 1024 * 1024],
    ['at least one body, when a quarter of the queue is less', { INGEST_QUEUE_MAX_BYTES: '1463638' }, 1024 * 1024],
    ['the value set', { INGEST_INSTITUTE_MAX_BYTES: '2000000' }, 2_000_000],
  ])("derives an institute's share of the in-flight bytes: %s", (_case, env, bytes) => {
    expect(IngestionConfig.parse(env).INGEST_INSTITUTE_MAX_BYTES).toBe(bytes);
  });

  describe('Kafka TLS and SASL', () => {
    const scram = { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'pw' };

    it('is off by default, and empty values count as unset (a ConfigMap lists every variable)', () => {
      const empty = { KAFKA_SASL_MECHANISM: '', KAFKA_SASL_USERNAME: '', KAFKA_SSL_CA_FILE: '', KAFKA_SASL_PASSWORD_FILE: '' };
      for (const c of [CommonConfig.parse({}), CommonConfig.parse(empty)]) {
        expect(c).toMatchObject({ KAFKA_SSL: false, KAFKA_SSL_REJECT_UNAUTHORIZED: true });
        expect([c.KAFKA_SASL_MECHANISM, c.KAFKA_SASL_USERNAME, c.KAFKA_SSL_CA_FILE, c.KAFKA_SASL_PASSWORD_FILE]).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
      }
    });

    it("parses a managed Kafka's settings", () => {
      expect(ProjectorConfig.parse({ ...scram, KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem' })).toMatchObject({
        KAFKA_SSL: true,
        KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'app',
      });
      expect(
        problemsOf(() => CommonConfig.parse({ ...scram, KAFKA_SASL_PASSWORD: '', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka' })),
      ).toEqual([]);
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['a misspelt boolean', { KAFKA_SSL: 'yes' }, /^KAFKA_SSL: expected true or false, got "yes"/],
      [
        'an unknown mechanism',
        { KAFKA_SASL_MECHANISM: 'gssapi' },
        /^KAFKA_SASL_MECHANISM: expected one of scram-sha-256, scram-sha-512, plain/,
      ],
      [
        'a mechanism without a user',
        { ...scram, KAFKA_SASL_USERNAME: '' },
        /^KAFKA_SASL_MECHANISM is scram-sha-512 but KAFKA_SASL_USERNAME is empty: set KAFKA_SASL_USERNAME/,
      ],
      [
        'a mechanism without a password',
        { ...scram, KAFKA_SASL_PASSWORD: '' },
        /neither KAFKA_SASL_PASSWORD nor KAFKA_SASL_PASSWORD_FILE is set/,
      ],
      [
        'a password twice',
        { ...scram, KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka' },
        /KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set/,
      ],
      [
        'a user without a mechanism',
        { KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'pw' },
        /^KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is empty/,
      ],
      [
        'PLAIN without TLS',
        { ...scram, KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: 'plain' },
        /^KAFKA_SASL_MECHANISM is plain but KAFKA_SSL is false/,
      ],
      ['a CA file without TLS', { KAFKA_SSL_CA_FILE: '/ca.pem' }, /^KAFKA_SSL_CA_FILE is set but KAFKA_SSL is false: set KAFKA_SSL=true/],
      [
        'a client certificate without its key',
        { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/c.pem' },
        /^KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE/,
      ],
    ])('refuses %s, naming the variables and what to do', (_case, env, message) => {
      const problems = problemsOf(() => CommonConfig.parse(env));
      expect(problems).toEqual([expect.stringMatching(message)]);
    });

    it('never puts the password in its complaints', () => {
      const problems = problemsOf(() => CommonConfig.parse({ KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'hunter2-secret' }));
      expect(problems).toHaveLength(1);
      expect(problems.join('\n')).not.toContain('hunter2-secret');
    });
  });

  it('lists the variables it reads', () => {
    expect(INGESTION_ENV_VARS).toEqual(expect.arrayContaining(['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'CLICKHOUSE_URL']));
    expect(INGESTION_ENV_VARS).not.toContain('PROJECTOR_GROUP_ID');
  });
});
