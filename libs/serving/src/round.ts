import { randomBytes } from 'node:crypto';
import { LOCAL_SUFFIX, sqlIdent, sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import type { KeySet } from './keys';
import { WORK_TABLES } from './tables';

/** The kinds of key a refresh round stores: what the batch touched, and what the round derives from it. */
export type KeyKind =
  | 'schedules'
  | 'participants'
  | 'recordings'
  | 'roster_classrooms'
  | 'invoice_owners'
  | 'payments'
  | 'revenue_classrooms'
  /** Sessions named by a fact of a classroom whose roster changed (a superset of its sessions now). */
  | 'roster_sessions'
  /** The classrooms of the sessions whose engagement and attendance are recomputed. */
  | 'people_classrooms'
  /** Classroom-weeks (k1 classroom, k2 the week's Monday) whose stored attendance rollup is recomputed. */
  | 'week_scopes'
  /** Classroom-days (k1 classroom, k2 the day) whose money is recomputed. */
  | 'revenue_days'
  /** Classroom-months (k1 classroom, k2 the month's first day) whose stored money rollup is recomputed. */
  | 'month_scopes';

/** One kind of key, or several read as their union. */
export type Kinds = KeyKind | readonly KeyKind[];

/**
 * For every statement of a round. The serving SQL filters each table it reads at the table itself,
 * so the predicate push-down the views need (migration 0004) has nothing to do here, and on 18.16
 * it is what costs most: analysing the engagement statement took 400–500 ms of CPU with it and
 * about 200 ms without, whatever the number of keys.
 */
export const REFRESH_SETTINGS = 'SETTINGS enable_optimize_predicate_expression = 0';

/** Column positions in serving_keys: institute_id, then up to two more key parts. */
const KEY_COLUMNS = ['institute_id', 'k1', 'k2'] as const;

/** Tables holding one partition per round (migrations 0005, 0007): its keys and its staged results. */
export const ROUND_TABLES = WORK_TABLES;
export type StageTable = Exclude<(typeof ROUND_TABLES)[number], 'serving_keys'>;

/**
 * One refresh round's working rows, under a round id unique across processes: its keys in
 * `serving_keys` (statements select them with `in()`), and what it computes once for several
 * statements (`stage`, read back with `staged`). `drop()` removes the round's partitions.
 */
export class Round {
  readonly round: string;
  readonly keysTable = 'serving_keys';

  constructor(
    private readonly ch: ClickHouseConnection,
    version: number,
    private readonly cluster = '',
    now = Date.now(),
  ) {
    // The wall-clock prefix only dates the round for dropStaleRounds' clean-up; versions decide nothing here.
    this.round = `${now}-${version}-${randomBytes(4).toString('hex')}`;
  }

  /** Stores the given key sets in one INSERT (empty sets are skipped). */
  async add(sets: ReadonlyArray<readonly [KeyKind, KeySet]>): Promise<void> {
    const rows = sets.flatMap(([kind, keys]) =>
      keys.list().map((k) => ({ round: this.round, kind, institute_id: k[0], k1: k[1] ?? '', k2: k[2] ?? '' })),
    );
    if (rows.length > 0) await this.ch.insert(this.keysTable, rows);
  }

  /** Stores the keys a query finds: `select` yields institute_id, k1 and k2 (k1, k2 '' when unused). */
  async derive(kind: KeyKind, select: string): Promise<void> {
    await this.ch.command(
      `serving:keys:${kind}`,
      `INSERT INTO ${this.keysTable} (round, kind, institute_id, k1, k2) SELECT ${sqlString(this.round)}, ${sqlString(kind)}, institute_id, k1, k2 FROM (${select}) ${REFRESH_SETTINGS}`,
    );
  }

  /** `(columns…) IN (keys of kind)`: the columns name the key parts in order, institute first. */
  in(kind: Kinds, columns: readonly string[]): string {
    const parts = KEY_COLUMNS.slice(0, columns.length).join(', ');
    const lhs = columns.length === 1 ? columns[0] : `(${columns.join(', ')})`;
    return `${lhs} IN (SELECT ${parts} FROM ${this.keysTable} WHERE ${this.where(kind)})`;
  }

  /** `institute_id IN (institutes of the keys of kind)`. */
  institutes(kind: Kinds): string {
    return this.in(kind, ['institute_id']);
  }

  /** How many keys of `kind` the round holds. */
  async count(kind: Kinds): Promise<number> {
    const rows = await this.ch.query<{ n: string | number }>(
      'serving:keys:count',
      `SELECT count() AS n FROM (SELECT DISTINCT institute_id, k1, k2 FROM ${this.keysTable} WHERE ${this.where(kind)})`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Computes `select` (yielding `columns`) once into the round's partition of `table`. */
  async stage(table: StageTable, columns: readonly string[], select: string): Promise<void> {
    const list = columns.join(', ');
    await this.ch.command(
      `serving:stage:${table}`,
      `INSERT INTO ${table} (round, ${list}) SELECT ${sqlString(this.round)}, ${list} FROM (${select}) ${REFRESH_SETTINGS}`,
    );
  }

  /** The rows `stage` put in `table` for this round. */
  staged(table: StageTable, columns: readonly string[]): string {
    return `SELECT ${columns.join(', ')} FROM ${table} WHERE round = ${sqlString(this.round)}`;
  }

  async drop(): Promise<void> {
    for (const table of ROUND_TABLES) await this.ch.command('serving:round:drop', dropPartition(table, this.round, this.cluster));
  }

  /** The rows of `kind` (or of any of the kinds) in the keys table. */
  where(kind: Kinds): string {
    const kinds = typeof kind === 'string' ? sqlString(kind) : kind.map(sqlString).join(', ');
    return typeof kind === 'string'
      ? `round = ${sqlString(this.round)} AND kind = ${kinds}`
      : `round = ${sqlString(this.round)} AND kind IN (${kinds})`;
  }
}

/**
 * Drops the partitions of rounds older than `maxAgeMs` (a round id starts with its start time in
 * milliseconds; ids from before versions came from PostgreSQL start with microseconds): rounds a
 * crash or kill interrupted. Live rounds last seconds, so only a clock ahead by more than
 * `maxAgeMs` could drop a live round's partitions, and that round would fail and be retried.
 */
export async function dropStaleRounds(ch: ClickHouseConnection, maxAgeMs: number, cluster = '', now = Date.now()): Promise<number> {
  const stale = new Set<string>();
  for (const table of ROUND_TABLES) {
    for (const { round } of await ch.query<{ round: string }>('serving:round:stale', `SELECT DISTINCT round FROM ${table}`)) {
      const stamp = Number(/^(\d+)-/.exec(round)?.[1] ?? NaN);
      const ms = stamp > 1e14 ? stamp / 1000 : stamp;
      if (Number.isFinite(ms) && ms <= now - maxAgeMs) stale.add(round);
    }
  }
  for (const round of stale) for (const table of ROUND_TABLES) await ch.command('serving:round:drop', dropPartition(table, round, cluster));
  return stale.size;
}

/** On a cluster the tables are Distributed over `<table>_local` (cluster-ddl.ts), where the partitions are. */
function dropPartition(table: string, round: string, cluster: string): string {
  return cluster
    ? `ALTER TABLE ${table}${LOCAL_SUFFIX} ON CLUSTER ${sqlIdent(cluster)} DROP PARTITION ${sqlString(round)}`
    : `ALTER TABLE ${table} DROP PARTITION ${sqlString(round)}`;
}
