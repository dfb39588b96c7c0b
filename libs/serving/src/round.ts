import { randomBytes } from 'node:crypto';
import { LOCAL_SUFFIX, sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import type { KeySet } from './keys';
import { insertSelect } from './sql/flat-insert';
import { WORK_TABLES } from './serving-tables';

/** The kinds of key a refresh round stores: what the batch touched, and what the round derives from it. */
export type KeyKind =
  | 'schedules'
  | 'participants'
  | 'recordings'
  | 'roster_classrooms'
  | 'invoice_owners'
  | 'payments'
  | 'revenue_classrooms'
  /** Sessions a student's roster change or a suspension can change (rosterSessionsOf: a superset of them). */
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
 *
 * Every round reads the same few recent granules of the facts and the keys table, a few at a time
 * (seeking to a mark, then decompressing its block): the uncompressed cache keeps those blocks
 * decompressed between rounds (docs/benchmarks.md, "Kept: the uncompressed cache for a round's reads").
 */
export const REFRESH_SETTINGS = 'SETTINGS enable_optimize_predicate_expression = 0, use_uncompressed_cache = 1';

/** Column positions in serving_keys: institute_id, then up to two more key parts. */
const KEY_COLUMNS = ['institute_id', 'k1', 'k2'] as const;

/** Tables holding one partition per round (migration 0005): its keys. */
export const ROUND_TABLES = WORK_TABLES;

/**
 * One refresh round's keys, under a round id unique across processes, in `serving_keys`
 * (statements select them with `in()`). `drop()` removes the round's partition.
 */
export class Round {
  readonly round: string;
  readonly keysTable = 'serving_keys';
  /** Whether this round wrote a key: only then has drop() a partition to remove. */
  private wrote = false;

  constructor(
    private readonly ch: ClickHouseConnection,
    version: number,
    private readonly drops: RoundDrops = new ImmediateDrops(ch),
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
    if (rows.length === 0) return;
    this.wrote = true;
    await this.ch.insert(this.keysTable, rows);
  }

  /** Stores the keys a query finds: `select` yields institute_id, k1 and k2 (k1, k2 '' when unused). */
  async derive(kind: KeyKind, select: string): Promise<void> {
    this.wrote = true;
    await this.ch.command(
      `serving:keys:${kind}`,
      `${insertSelect(
        this.keysTable,
        [
          ['round', sqlString(this.round)],
          ['kind', sqlString(kind)],
        ],
        KEY_COLUMNS,
        select,
      )} ${REFRESH_SETTINGS}`,
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

  /** The keys of `kind`, each [institute_id, k1, k2], in no particular order. */
  async list(kind: KeyKind): Promise<string[][]> {
    const rows = await this.ch.query<{ institute_id: string; k1: string; k2: string }>(
      'serving:keys:list',
      `SELECT DISTINCT institute_id, k1, k2 FROM ${this.keysTable} WHERE ${this.where(kind)}`,
    );
    return rows.map((r) => [r.institute_id, r.k1, r.k2]);
  }

  /**
   * The keys of `kind` as columns named `as` says (`{ classroom_id: 'k1', week: 'toDate(k2)' }`):
   * a SELECT of the wanted columns straight from the keys table.
   */
  keyColumns<C extends string>(kind: KeyKind, as: Readonly<Record<C, string>>): KeyColumns<C> {
    return (columns) =>
      `SELECT ${columns.map((c) => (as[c] === c ? c : `${as[c]} AS ${c}`)).join(', ')} FROM ${this.keysTable} WHERE ${this.where(kind)}`;
  }

  /** Keys of a classroom-date kind (week_scopes, revenue_days, month_scopes: k1 the classroom, k2 the date), the date named `date`. */
  classroomDates<D extends string>(kind: KeyKind, date: D): KeyColumns<'institute_id' | 'classroom_id' | D> {
    const as = { institute_id: 'institute_id', classroom_id: 'k1', [date]: 'toDate(k2)' } as Record<
      'institute_id' | 'classroom_id' | D,
      string
    >;
    return this.keyColumns(kind, as);
  }

  /** The round ended: its partitions go (at once on one server, soon on a cluster: RoundDrops). */
  async drop(): Promise<void> {
    if (this.wrote) await this.drops.drop(this.round);
  }

  /** The rows of `kind` (or of any of the kinds) in the keys table. */
  where(kind: Kinds): string {
    const kinds = typeof kind === 'string' ? sqlString(kind) : kind.map(sqlString).join(', ');
    return typeof kind === 'string'
      ? `round = ${sqlString(this.round)} AND kind = ${kinds}`
      : `round = ${sqlString(this.round)} AND kind IN (${kinds})`;
  }
}

/** Selects the given columns of a round's keys (Round.keyColumns). */
export type KeyColumns<C extends string> = (columns: readonly C[]) => string;

/** A span of days, each as days since 1970-01-01 (ClickHouse's Date number). */
export type DaySpan = { readonly first: number; readonly last: number };

/**
 * The first and last of the given days ('YYYY-MM-DD': a round's day or week keys), or null when
 * there are none. Statements bound their reads by time with these as literals: on 18.16 a scalar
 * subquery in a statement is run again each time the statement is analysed, and a nested statement
 * is analysed once per level above it (two such bounds were a third of the daily revenue
 * statement's CPU; docs/benchmarks.md, "Time bounds as literals").
 */
export function daySpanOf(days: readonly string[]): DaySpan | null {
  if (days.length === 0) return null;
  const numbers = days.map(dayNumber);
  return { first: Math.min(...numbers), last: Math.max(...numbers) };
}

/** 'YYYY-MM-DD' → days since 1970-01-01; throws on anything else (a key of the wrong kind). */
function dayNumber(day: string): number {
  // 18.16 prints the Date 0 so (current ClickHouse prints 1970-01-01).
  if (day === '0000-00-00') return 0;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`serving round: expected a day (YYYY-MM-DD) in the key, got ${JSON.stringify(day)}`);
  return ms / 86_400_000;
}

/** How the partitions of ended rounds are dropped. */
export interface RoundDrops {
  drop(round: string): Promise<void>;
  /** Drops what is still pending: before a process exits. */
  flush(): Promise<void>;
}

/** Each round's partitions dropped when it ends: the CLI's and the tests' rounds (an ALTER per table the round used). */
export class ImmediateDrops implements RoundDrops {
  constructor(private readonly ch: ClickHouseConnection) {}

  async drop(round: string): Promise<void> {
    for (const table of ROUND_TABLES) await this.ch.command('serving:round:drop', dropPartitions(this.ch, table, [round], ''));
  }

  async flush(): Promise<void> {}
}

/**
 * The projector's drops. A round reads only its own partition (`WHERE round = …`), so the ones of
 * ended rounds change no result and can wait: ended rounds are collected and dropped together,
 * one ALTER per table for all of them, at most once per `intervalMs` and off the rounds' path. On
 * one server that takes an ALTER off the end of every round, and the time of a round is what an
 * analyst waits for. On a cluster
 * (`cluster` set) a partition is dropped from the `_local` tables (a Distributed table has none) by a
 * plain ALTER on one server of each shard, which the shard's replication log carries to its other
 * replica (ClickHouse.commandOnEachShard; not ON CLUSTER, whose replicated ALTERs stop 18.16's DDL
 * worker: ClusterShards); each goes through ZooKeeper, tens to hundreds of ms. A failed drop
 * (ClickHouse or ZooKeeper away, every server of a shard down) keeps its rounds for the next one
 * (dropping a partition already gone does nothing); rounds a killed process left are dropped by
 * dropStaleRounds when a projector starts.
 */
export class DeferredDrops implements RoundDrops {
  private pending: string[] = [];
  private running: Promise<void> | null = null;
  private last: number;
  /** The last failure, kept until a drop succeeds (for logs and tests). */
  lastError: Error | null = null;

  constructor(
    private readonly ch: ClickHouseConnection,
    private readonly cluster: string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
  }

  async drop(round: string): Promise<void> {
    this.pending.push(round);
    if (!this.running && this.now() - this.last >= this.intervalMs) this.running = this.dropPending().finally(() => (this.running = null));
  }

  async flush(): Promise<void> {
    await this.running;
    if (this.pending.length > 0) await this.dropPending();
    if (this.lastError) throw this.lastError;
  }

  private async dropPending(): Promise<void> {
    this.last = this.now();
    const rounds = this.pending.splice(0, MAX_DROPS_PER_ALTER);
    try {
      for (const table of ROUND_TABLES)
        await this.ch.commandOnEachShard('serving:round:drop', dropPartitions(this.ch, table, rounds, this.cluster));
      this.lastError = null;
    } catch (e) {
      this.pending.unshift(...rounds);
      this.lastError = new Error(
        `dropping the partitions of ${rounds.length} ended serving rounds ${this.cluster ? `on the shards of ${this.cluster}` : 'of this server'} failed (kept for the next try; ` +
          `a round reads only its own partition, so nothing is wrong meanwhile): ${(e as Error).message}`,
      );
    }
  }
}

/** Partitions one ALTER drops: the statement stays small. */
const MAX_DROPS_PER_ALTER = 500;

/** Deferred drops (shard by shard on a cluster, CLICKHOUSE_CLUSTER) where asked for and always on a cluster; else immediate ones. */
export function roundDrops(ch: ClickHouseConnection, cluster = '', deferred = false): RoundDrops {
  return cluster || deferred ? new DeferredDrops(ch, cluster) : new ImmediateDrops(ch);
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
  const rounds = [...stale];
  for (let i = 0; i < rounds.length; i += MAX_DROPS_PER_ALTER)
    for (const table of ROUND_TABLES)
      await ch.commandOnEachShard('serving:round:drop', dropPartitions(ch, table, rounds.slice(i, i + MAX_DROPS_PER_ALTER), cluster));
  return stale.size;
}

/**
 * On a cluster the tables are Distributed over `<table>_local` (cluster-ddl.ts), where the
 * partitions are, named with their database: the statement goes to each shard's own server.
 */
function dropPartitions(ch: ClickHouseConnection, table: string, rounds: readonly string[], cluster: string): string {
  const drops = rounds.map((r) => `DROP PARTITION ${sqlString(r)}`).join(', ');
  return cluster ? `ALTER TABLE ${ch.database}.${table}${LOCAL_SUFFIX} ${drops}` : `ALTER TABLE ${table} ${drops}`;
}
