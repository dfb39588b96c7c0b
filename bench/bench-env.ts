import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ClickHouse, rawDatabaseOf, sqlIdent } from '@wise/clickhouse';
import { CommonConfig, readEnv } from '@wise/config';
import { KafkaConnection, kafkaOptionsFrom } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { appRoleUrl, Postgres, type AppName } from '@wise/postgres';
import { ENTRY } from './app-process';

/**
 * Names and clean-up for one bench run. Everything the run creates (Kafka topics, consumer groups,
 * ClickHouse databases, a PostgreSQL database holding its institutes) is named after the run id,
 * registered here, and removed at the end, also after a failure or Ctrl-C.
 */
export class BenchRun {
  readonly id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  readonly config = CommonConfig.parse(readEnv());
  readonly logger = new Logger('bench', 'error');
  readonly kafka = new KafkaConnection(kafkaOptionsFrom(this.config, `bench-${this.id}`, this.logger));
  private readonly undo: Array<{ what: string; run: () => Promise<void> }> = [];
  /** Set on Ctrl-C: no further phase starts. */
  aborted = false;

  /** The PostgreSQL database of this run (ingestion's institutes), dropped at the end. */
  readonly databaseUrl: string;

  constructor() {
    const url = new URL(this.config.DATABASE_URL);
    url.pathname = `/wise_bench_${this.id}`;
    this.databaseUrl = url.toString();
    this.onCleanup(`PostgreSQL database wise_bench_${this.id}`, () => this.dropPostgres());
  }

  /**
   * The run's PostgreSQL database created and migrated as `npm start` does it (`migrate`), before
   * any app starts: the apps no longer migrate it themselves.
   */
  async migrate(): Promise<void> {
    await promisify(execFile)(process.execPath, [ENTRY.cli, 'migrate', '--postgres-only'], {
      env: { PATH: readEnv().PATH, DATABASE_URL: this.databaseUrl },
    });
  }

  /**
   * Env for an app of `phase`: its own topics, group and ClickHouse database; logs at warn. `app`:
   * it connects to PostgreSQL as its own role, as `npm start` runs it (else as the owner).
   */
  appEnv(phase: string, extra: Record<string, string> = {}, app?: AppName): NodeJS.ProcessEnv {
    const env = readEnv();
    return {
      PATH: env.PATH,
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: this.config.KAFKA_BROKERS.join(','),
      KAFKA_EVENTS_TOPIC: this.topic(phase, 'events'),
      KAFKA_QUARANTINE_TOPIC: this.topic(phase, 'quarantine'),
      DATABASE_URL: app ? appRoleUrl(this.databaseUrl, app) : this.databaseUrl,
      CLICKHOUSE_URL: this.config.CLICKHOUSE_URL,
      CLICKHOUSE_USER: this.config.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: this.config.CLICKHOUSE_PASSWORD,
      CLICKHOUSE_DATABASE: this.clickhouseDatabase(phase),
      PROJECTOR_GROUP_ID: `bench-${this.id}-${phase}`,
      HOST: '127.0.0.1',
      ...extra,
    };
  }

  topic(phase: string, kind: 'events' | 'quarantine'): string {
    return `bench.${this.id}.${phase}.${kind}`;
  }

  clickhouseDatabase(phase: string): string {
    return `bench_${this.id}_${phase}`;
  }

  /** Institute slug prefix of a phase (slugs are `<prefix>-bench-<n>`). */
  slugPrefix(phase: string): string {
    return `b${this.id}-${phase}`.toLowerCase();
  }

  /** A client of the phase's database; `null` for one of `default` (to drop a database that may not exist). */
  clickhouse(phase: string | null, app = 'bench'): ClickHouse {
    const c = this.config;
    const database = phase === null ? 'default' : this.clickhouseDatabase(phase);
    return new ClickHouse({
      url: c.CLICKHOUSE_URL,
      user: c.CLICKHOUSE_USER,
      password: c.CLICKHOUSE_PASSWORD,
      database,
      app,
      requestTimeoutMs: 300_000,
    });
  }

  /** Registers the topics, group and database of a phase for removal at the end. */
  ownPhase(phase: string): void {
    this.onCleanup(`Kafka topics of ${phase}`, () => this.deleteTopics([this.topic(phase, 'events'), this.topic(phase, 'quarantine')]));
    this.onCleanup(`ClickHouse database ${this.clickhouseDatabase(phase)}`, () => this.dropClickHouse(phase));
  }

  onCleanup(what: string, run: () => Promise<void>): void {
    this.undo.push({ what, run });
  }

  /** Undoes everything, newest first; one failure does not stop the others. */
  async cleanup(say: (line: string) => void): Promise<void> {
    while (this.undo.length > 0) {
      const step = this.undo.pop()!;
      try {
        await step.run();
      } catch (e) {
        say(`[bench] could not remove ${step.what}: ${(e as Error).message}`);
      }
    }
  }

  private async deleteTopics(topics: string[]): Promise<void> {
    await this.kafka.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const mine = topics.filter((t) => existing.has(t) && t.startsWith(`bench.${this.id}.`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`bench-${this.id}-`));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    });
  }

  private async dropClickHouse(phase: string): Promise<void> {
    const name = this.clickhouseDatabase(phase);
    if (!name.startsWith('bench_')) throw new Error(`refusing to drop ClickHouse database ${name}`);
    const ch = this.clickhouse(null);
    try {
      for (const db of [sqlIdent(name), rawDatabaseOf(name)]) await ch.command('bench', `DROP DATABASE IF EXISTS ${db}`);
    } finally {
      await ch.close();
    }
  }

  private async dropPostgres(): Promise<void> {
    const admin = new URL(this.databaseUrl);
    admin.pathname = '/postgres';
    const pg = new Postgres(admin.toString(), 1);
    try {
      await pg.query(`DROP DATABASE IF EXISTS "wise_bench_${this.id}"`);
    } finally {
      await pg.close();
    }
  }
}
