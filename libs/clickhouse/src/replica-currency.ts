import { setTimeout as delay } from 'node:timers/promises';
import type { ClickHouseConnection } from './connection';
import { sqlString } from './quote';
import { rawDatabaseOf } from './raw-tables';

/** The replica a cluster's reads of one shard go to, as one look found it. */
export interface PickedReplica {
  /** Seconds since its server started: smaller in a later look means it restarted in between. */
  readonly uptime: number;
  /** Why it may lack a write acknowledged before the look (empty: it has every one). */
  readonly behind: readonly string[];
}

/** One look at the replicas the reads go to, by replica name (one per shard). */
export type ReplicaSnapshot = ReadonlyMap<string, PickedReplica>;

/** The replicas that reads go to did not catch up within the wait, or changed under a round. */
export class ReplicasBehind extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicasBehind';
  }
}

type ReplicaRow = {
  replica: string;
  uptime: number | string;
  table: string;
  is_readonly: number;
  is_session_expired: number;
  absolute_delay: number | string;
};

/** Replicas listed per reason in a message before "…": a look can find every table behind. */
const TABLES_NAMED = 3;

/**
 * Whether the replicas a cluster's reads go to hold every write acknowledged so far, for a reader
 * that must compute from complete facts (the serving rounds, docs/scaling.md "Reads that see their
 * own writes").
 *
 * The reads of a shard go to one replica: the first of the shard's list that answers and has the
 * fewest errors (`load_balancing = in_order`, `prefer_localhost_replica = 0`). A look asks that
 * very replica, through `cluster('<c>', system.replicas)` and `system.replication_queue` with the
 * same settings, so the replica it judges is the one the next reads get. A replica is current when,
 * for every replicated table of the app's two databases:
 * - it is not read-only (its ZooKeeper session is up);
 * - it has pulled the replication log into its queue since it started: `absolute_delay` is at
 *   most its uptime. 18.16 reports the current Unix time as the delay of a queue never pulled,
 *   and a restarted replica pulls only once its old ZooKeeper session has expired (about 10 s
 *   here, during which it is not read-only); a pulled queue's delay is the age of its oldest
 *   unfetched insert, older than the server only when that insert is (lacking it, it is behind
 *   anyway);
 * - its queue holds no part to fetch that another replica wrote (`GET_PART` with another
 *   `source_replica`; its own inserts pass through its queue as GET_PART too, and need nothing).
 * Every part logged before its last pull is then on that replica, or covered by a merged part it
 * has. Inserts are logged in the ZooKeeper transaction that commits them, and the replica pulls
 * new entries on a ZooKeeper watch, within milliseconds.
 *
 * The log position itself (`log_pointer`, `log_max_index`) is not read: 18.16 lists every table's
 * whole log in ZooKeeper for it, and under the fault scenarios' load that took 0.7 s (median) to
 * 9 s per look. What that leaves open: a write acknowledged by the other replica of a shard, in
 * the milliseconds before a round's version, whose entry the replica read has not pulled yet.
 * Writes reach the other replica only through a server whose reads go there too (each server
 * sends a shard's reads and writes to the same replica), so that needs two servers taking the
 * apps' statements at once with different replicas up: the balancer's fail-back after the
 * primary's restart. The look after the round (changedSince) sees such a part still to fetch
 * unless it was fetched meanwhile.
 *
 * Not current: a first replica back from a restart before it fetched what its shard-mate took
 * meanwhile; a second replica read while the first is down, before it fetched what the first
 * acknowledged just before it went (it cannot until the first is back). Both are waited out.
 */
export class ReplicaCurrency {
  constructor(
    private readonly ch: Pick<ClickHouseConnection, 'query' | 'database'>,
    private readonly cluster: string,
    private readonly options: { pollMs?: number; waitMs?: number; sleep?: (ms: number) => Promise<void> } = {},
  ) {}

  /**
   * Waits until every replica the reads go to is current and returns the look that found it so;
   * throws ReplicasBehind, naming each replica and what it lacks, after `waitMs` (10 s).
   */
  async current(): Promise<ReplicaSnapshot> {
    const { pollMs = 25, waitMs = 10_000, sleep = (ms: number) => delay(ms) } = this.options;
    // The clock bounds a wait only; what is current is read from the replicas.
    const deadline = Date.now() + waitMs;
    for (;;) {
      const seen = await this.look();
      const behind = describeBehind(seen);
      if (behind === null) return seen;
      if (Date.now() >= deadline)
        throw new ReplicasBehind(
          `ClickHouse cluster ${this.cluster}: the replicas reads go to are behind after ${waitMs} ms (${behind}); serving rounds wait for them. A replica back from a restart catches up by itself; one whose shard-mate is down cannot fetch what only that shard-mate has: start it`,
        );
      await sleep(pollMs);
    }
  }

  /**
   * Why reads made since `before` may have missed a write, or null when they cannot have: the
   * same replica serves each shard now as then, has not restarted, and is current.
   */
  async changedSince(before: ReplicaSnapshot): Promise<string | null> {
    const now = await this.look();
    for (const [replica, was] of before) {
      const is = now.get(replica);
      if (!is)
        return `the reads of ${replica}'s shard went to ${[...now.keys()].filter((r) => !before.has(r)).join(', ') || 'another replica'}`;
      if (is.uptime < was.uptime) return `${replica} restarted`;
    }
    return describeBehind(now);
  }

  /** The replicas reads go to now, and what each lacks. */
  async look(): Promise<ReplicaSnapshot> {
    const databases = [this.ch.database, rawDatabaseOf(this.ch.database)].map(sqlString).join(', ');
    const cluster = sqlString(this.cluster);
    const [replicas, fetches] = await Promise.all([
      this.ch.query<ReplicaRow>(
        'replicas:status',
        `SELECT replica_name AS replica, uptime() AS uptime, concat(database, '.', table) AS table,
                is_readonly, is_session_expired, absolute_delay
         FROM cluster(${cluster}, system.replicas) WHERE database IN (${databases})`,
      ),
      this.ch.query<{ replica: string; table: string; parts: number | string }>(
        'replicas:fetches',
        `SELECT replica_name AS replica, concat(database, '.', table) AS table, count() AS parts
         FROM cluster(${cluster}, system.replication_queue)
         WHERE database IN (${databases}) AND type = 'GET_PART' AND source_replica != replica_name
         GROUP BY replica, table`,
      ),
    ]);
    const behind = new Map<string, string[]>();
    const note = (replica: string, why: string) => behind.set(replica, [...(behind.get(replica) ?? []), why]);
    const uptime = new Map<string, number>();
    for (const r of replicas) {
      uptime.set(r.replica, Math.min(uptime.get(r.replica) ?? Infinity, Number(r.uptime)));
      if (Number(r.is_readonly) || Number(r.is_session_expired)) note(r.replica, `${r.table} read-only (no ZooKeeper session)`);
      else if (Number(r.absolute_delay) > Number(r.uptime))
        note(r.replica, `${r.table} has not pulled the replication log since it started, or lacks an older insert`);
    }
    for (const f of fetches)
      note(f.replica, `${f.table} has ${f.parts} part${Number(f.parts) === 1 ? '' : 's'} to fetch from its shard-mate`);
    return new Map([...uptime].map(([replica, up]) => [replica, { uptime: up, behind: behind.get(replica) ?? [] }]));
  }
}

/** What the look's replicas lack, one clause per replica, or null when nothing. */
function describeBehind(seen: ReplicaSnapshot): string | null {
  const clauses = [...seen]
    .filter(([, p]) => p.behind.length > 0)
    .map(
      ([replica, p]) =>
        `${replica}: ${p.behind.slice(0, TABLES_NAMED).join(', ')}${p.behind.length > TABLES_NAMED ? `, and ${p.behind.length - TABLES_NAMED} more` : ''}`,
    );
  return clauses.length === 0 ? null : clauses.join('; ');
}
