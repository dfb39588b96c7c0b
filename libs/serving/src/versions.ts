import type { ClickHouseConnection } from '@wise/clickhouse';
import { SERVING_STORES, tableNames, type TableNames } from './tables';

/**
 * Where serving rows get their versions. A refresh round takes one after the facts it follows are
 * written, and reads every input (facts, time zones, attendance rules) after taking it. When every
 * version comes from one linearizable source, the round with the highest version of a row began
 * reading after every other round of that row had written its facts, so it saw them all: which
 * recompute wins never depends on clocks (docs/serving.md has the whole argument).
 *
 * Versions are even: a round writes its rows and scope markers at v + 1 and its tombstones at v.
 */
export interface ServingVersions {
  next(): Promise<number>;
}

/** The source is unreachable (PostgreSQL away): the round is retried, like ClickHouse being away. */
export class VersionsUnavailable extends Error {
  readonly transient = true;
}

/** What a PostgreSQL client must offer (libs/postgres's Postgres does). */
interface SequenceClient {
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The production source: PostgreSQL's `serving_versions` sequence (migration 0004), shared by
 * every projector and CLI. Before its first version a process checks the sequence against the
 * highest version in the stores, and moves it past them if it is behind: after PostgreSQL was
 * restored from an old backup, or pointed at a new database, new rounds would otherwise lose to
 * rows already written.
 */
export class PostgresVersions implements ServingVersions {
  private checked: Promise<void> | null = null;

  constructor(
    private readonly pg: SequenceClient,
    private readonly ch: ClickHouseConnection,
    private readonly prepare: () => Promise<void> = async () => undefined,
  ) {}

  async next(): Promise<number> {
    try {
      this.checked ??= this.floor().catch((e) => {
        this.checked = null;
        throw e;
      });
      await this.checked;
      return await this.take();
    } catch (e) {
      if (e instanceof VersionsUnavailable) throw e;
      throw new VersionsUnavailable(
        `cannot take a serving version from PostgreSQL's serving_versions sequence (${(e as Error).message}); the round is retried. Check DATABASE_URL and that PostgreSQL is up`,
        { cause: e },
      );
    }
  }

  private async take(): Promise<number> {
    const [row] = await this.pg.query<{ v: string }>(`SELECT nextval('serving_versions')::text AS v`);
    return toVersion(row.v);
  }

  private async floor(): Promise<void> {
    await this.prepare();
    const highest = await highestStoredVersion(this.ch);
    const taken = await this.take();
    // setval only ever raises the sequence here, by a margin that versions handed out meanwhile
    // by other processes (between our nextval and setval) cannot reach.
    if (highest >= taken) await this.pg.query(`SELECT setval('serving_versions', $1::bigint)`, [String(evenAbove(highest) + 1_000_000)]);
  }
}

/**
 * Versions for one process that is the only writer of its stores (tests, the bench, an embedded
 * engine): a counter that starts above the highest stored version. Two processes using it on the
 * same stores would hand out the same versions; the projector and the CLI use PostgresVersions.
 */
export class SingleWriterVersions implements ServingVersions {
  private last: Promise<number> | null = null;

  constructor(
    private readonly ch: ClickHouseConnection,
    private readonly tables: TableNames = tableNames(),
  ) {}

  next(): Promise<number> {
    this.last = this.last ? this.last.then((v) => v + 2) : highestStoredVersion(this.ch, this.tables).then((h) => evenAbove(h) + 2);
    return this.last;
  }
}

/** The highest version in any store or time-zone setting (0 when there is none). */
export async function highestStoredVersion(ch: ClickHouseConnection, t: TableNames = tableNames()): Promise<number> {
  const parts = [
    ...SERVING_STORES.map((s) => `SELECT max(_version) AS v FROM ${t[s]}`),
    `SELECT max(updated_ms) AS v FROM ${t.institute_settings}`,
  ];
  const rows = await ch.query<{ v: string | number }>(
    'serving:highest-version',
    `SELECT toString(max(v)) AS v FROM (${parts.join(' UNION ALL ')})`,
  );
  return toVersion(rows[0]?.v ?? 0);
}

function evenAbove(v: number): number {
  return v % 2 === 0 ? v : v + 1;
}

function toVersion(v: string | number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`serving version ${v} is beyond 2^53; JavaScript cannot hold it exactly`);
  return n;
}
