import { ClickHouse, migrateClickHouse } from '@wise/clickhouse';
import { CliConfig } from '@wise/config';
import { KafkaConnection, kafkaOptionsFrom } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { PostgresVersions, ServingRefresh, type ServingVersions } from '@wise/serving';

export type Flags = Record<string, string | boolean>;

/** A mistake in how the command was called; printed without a stack trace. */
export class CliError extends Error {}

/** The one way a command reaches PostgreSQL, ClickHouse and Kafka: lazily opened connections (the databases migrated on first use) and output helpers. */
export class CliContext {
  private pg: Postgres | null = null;
  private ch: ClickHouse | null = null;
  private kafkaConnection: KafkaConnection | null = null;
  private serving: ServingRefresh | null = null;

  constructor(
    readonly config: CliConfig,
    readonly publicBaseUrl: string,
    readonly print: (line: string) => void,
  ) {}

  async postgres(): Promise<Postgres> {
    if (!this.pg) {
      await ensurePostgresDatabase(this.config.DATABASE_URL);
      this.pg = new Postgres(this.config.DATABASE_URL, 4);
      await migratePostgres(this.pg);
    }
    return this.pg;
  }

  async clickhouse(): Promise<ClickHouse> {
    if (!this.ch) {
      const c = this.config;
      this.ch = new ClickHouse({
        url: c.CLICKHOUSE_URL,
        user: c.CLICKHOUSE_USER,
        password: c.CLICKHOUSE_PASSWORD,
        database: c.CLICKHOUSE_DATABASE,
        app: 'cli',
        cluster: c.CLICKHOUSE_CLUSTER,
        servers: c.CLICKHOUSE_CLUSTER_SERVERS,
      });
      await migrateClickHouse(this.ch, undefined, c.CLICKHOUSE_CLUSTER);
    }
    return this.ch;
  }

  /** Kafka with the apps' own client settings (TLS, SASL: kafkaOptionsFrom); each admin session is opened and closed by its user. */
  kafka(): KafkaConnection {
    this.kafkaConnection ??= new KafkaConnection(kafkaOptionsFrom(this.config, 'cli', new Logger('cli', 'error')));
    return this.kafkaConnection;
  }

  /** Versions for serving rows, from the sequence every projector uses (never this host's clock). */
  async servingVersions(): Promise<ServingVersions> {
    return new PostgresVersions(await this.postgres(), await this.clickhouse());
  }

  async servingRefresh(): Promise<ServingRefresh> {
    this.serving ??= new ServingRefresh(await this.clickhouse(), {
      cluster: this.config.CLICKHOUSE_CLUSTER,
      versions: await this.servingVersions(),
    });
    return this.serving;
  }

  table(rows: Record<string, unknown>[]): void {
    if (rows.length === 0) return;
    const cols = Object.keys(rows[0]);
    const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
    const line = (vals: string[]) =>
      vals
        .map((v, i) => v.padEnd(width[i]))
        .join('  ')
        .trimEnd();
    this.print(line(cols));
    for (const r of rows) this.print(line(cols.map((c) => String(r[c]))));
  }

  async close(): Promise<void> {
    // On a cluster, ended rounds' partitions are dropped in batches: the last batch goes now.
    await this.serving?.close();
    await Promise.all([this.pg?.close(), this.ch?.close()]);
  }
}
