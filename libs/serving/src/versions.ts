import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClickHouseConnection } from '@wise/clickhouse';
import { SERVING_STORES, tableNames, type TableNames } from './serving-tables';

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
  /**
   * Runs a round (every version it takes and every row it writes) under a lease that watermark()
   * waits out: a version taken inside `work` is below a watermark only if `work` ended before it.
   */
  round<T>(work: () => Promise<T>): Promise<T>;
  /** A version W such that every round that took a version below W has ended (purgeDeadKeys). */
  watermark(): Promise<number>;
}

/** The source is unreachable (PostgreSQL away): the round is retried, like ClickHouse being away. */
export class VersionsUnavailable extends Error {
  readonly transient = true;
}

/** One connection, in a transaction (pg's PoolClient is one). */
interface TransactionClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** What a PostgreSQL client must offer (libs/postgres's Postgres does). */
interface SequenceClient {
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  transaction<T>(fn: (client: TransactionClient) => Promise<T>): Promise<T>;
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
  private lastIssued = 0;
  /** The connection holding the lease of the round being run: its versions are taken on it, so a round needs one connection. */
  private readonly lease = new AsyncLocalStorage<TransactionClient>();
  /**
   * The lease's lock: one per ClickHouse database, since a purge waits only for the rounds that
   * write its stores (tests, and deployments sharing one PostgreSQL, keep many databases).
   */
  private readonly roundLock: string;

  constructor(
    private readonly pg: SequenceClient,
    private readonly ch: ClickHouseConnection,
    private readonly prepare: () => Promise<void> = async () => undefined,
  ) {
    this.roundLock = roundLockOf(ch.database).join(', ');
  }

  async next(): Promise<number> {
    try {
      await this.floorOnce();
      // Versions this process had before asking: the sequence gave them out before this one, so
      // this one is above them unless the sequence went back. Not the newest it has when the
      // answer comes: a round's chains ask at once, on connections of their own (their leases),
      // and their answers can arrive out of order.
      const before = this.lastIssued;
      let v = await this.take();
      // A sequence that went back (PostgreSQL restored, or failed over to a standby that was
      // behind) would hand out versions already used: check it against the stores again.
      if (v <= before) {
        this.checked = null;
        await this.floorOnce();
        v = await this.take();
      }
      this.lastIssued = Math.max(this.lastIssued, v);
      return v;
    } catch (e) {
      if (e instanceof VersionsUnavailable) throw e;
      throw unavailable("take a serving version from PostgreSQL's serving_versions sequence", e);
    }
  }

  /**
   * The round holds a shared advisory lock (roundLock) in a transaction of its own from before its
   * first version to after its last write; watermark() takes it exclusively. A process that dies
   * loses its connection and with it the lock. A round whose lease could not be taken, or was lost
   * (its COMMIT failed: PostgreSQL restarted), fails with VersionsUnavailable and is retried.
   */
  async round<T>(work: () => Promise<T>): Promise<T> {
    await this.floorOnce().catch((e: unknown) => {
      throw unavailable('take a serving version', e);
    });
    let failed = false;
    try {
      return await this.pg.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock_shared(${this.roundLock})`);
        try {
          return await this.lease.run(tx, work);
        } catch (e) {
          failed = true;
          throw e;
        }
      });
    } catch (e) {
      if (failed || e instanceof VersionsUnavailable) throw e;
      throw unavailable("hold the round's lease (shared advisory lock on PostgreSQL)", e);
    }
  }

  /**
   * Waits until no round holds its lease, and takes a version while new rounds wait: every round
   * with a lower version has then ended. New rounds wait at most WATERMARK_WAIT_MS, the time
   * allowed for the rounds in flight to end; past it this fails and they go on.
   */
  async watermark(): Promise<number> {
    await this.floorOnce();
    return this.pg.transaction(async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${WATERMARK_WAIT_MS}`);
      await tx.query(`SELECT pg_advisory_xact_lock(${this.roundLock})`).catch((e: Error) => {
        throw new Error(
          `serving rounds in flight did not end within ${WATERMARK_WAIT_MS / 1000} s (${e.message}): a round is slow or stuck; see the projectors' logs, and run the command again`,
          { cause: e },
        );
      });
      const { rows } = await tx.query(`SELECT nextval('serving_versions')::text AS v`);
      return toVersion(String(rows[0].v));
    });
  }

  private floorOnce(): Promise<void> {
    this.checked ??= this.floor().catch((e) => {
      this.checked = null;
      throw e;
    });
    return this.checked;
  }

  private async take(): Promise<number> {
    const sql = `SELECT nextval('serving_versions')::text AS v`;
    const held = this.lease.getStore();
    const [row] = held ? (await held.query(sql)).rows : await this.pg.query(sql);
    return toVersion(String(row.v));
  }

  /**
   * Moves the sequence past every stored version, if it is behind them. Processes doing this at
   * once are serialized by an advisory lock, and the sequence is only ever raised (setval only
   * when it is at or below the stored highest), by a margin that versions handed out meanwhile by
   * processes already running cannot reach.
   */
  private async floor(): Promise<void> {
    await this.prepare();
    const highest = Math.max(await highestStoredVersion(this.ch), this.lastIssued);
    await this.pg.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${FLOOR_LOCK})`);
      await tx.query(`SELECT setval('serving_versions', $1::bigint) FROM serving_versions WHERE last_value <= $2::bigint`, [
        String(evenAbove(highest) + FLOOR_MARGIN),
        String(highest),
      ]);
    });
  }
}

/** Any constant: the same for every process moving the sequence's floor. */
const FLOOR_LOCK = 72_201_772;
/** Any other constant, the first half of the round lease's key (the second is the database's). */
const ROUND_LOCK = 72_201_773;
/** How long watermark() waits for the rounds in flight (new rounds wait behind it meanwhile). */
const WATERMARK_WAIT_MS = 30_000;

/** The two halves of the advisory lock key of the round lease over `database`'s stores (pg_locks: classid, objid). */
export function roundLockOf(database: string): [number, number] {
  return [ROUND_LOCK, fnv1a32(database)];
}

/** FNV-1a of `s`, as a signed 32-bit integer (the half of an advisory lock key PostgreSQL takes). */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193);
  return h | 0;
}

function unavailable(what: string, e: unknown): VersionsUnavailable {
  return new VersionsUnavailable(
    `cannot ${what} (${(e as Error).message}); the round is retried. Check DATABASE_URL and that PostgreSQL is up`,
    { cause: e },
  );
}
const FLOOR_MARGIN = 1_000_000;

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

  round<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /** The next version: with one process, whose rounds the caller does not run meanwhile, nothing below it is in flight. */
  watermark(): Promise<number> {
    return this.next();
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
