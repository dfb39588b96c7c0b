import { randomBytes } from 'node:crypto';
import { LOCAL_SUFFIX, PER_NODE_SUFFIX, sqlIdent, sqlString, sqlStringList, type ClickHouse } from '@wise/clickhouse';
import { REBUILD_SUFFIX } from './rebuild-names';

/** What the rebuild needs of a connection to handle its tables. */
export type TablesConnection = Pick<ClickHouse, 'query' | 'command' | 'database'>;

/**
 * The DDL of a rebuild's copies, on one server or on a cluster (CLICKHOUSE_CLUSTER). Names are the
 * rebuild's own, `t`, `t__rebuild`, `t__old`: each stands for the table that holds its rows, which
 * on a cluster is `<name>_local` on every server (cluster-ddl.ts), under the Distributed table `t`
 * the apps use.
 */
export interface RebuildTables {
  /** Which of `names` hold rows now (on a cluster: their local table is on every server). */
  existing(names: readonly string[]): Promise<Set<string>>;
  /** Tables of an earlier rebuild among `names` (any server): what `drop` must remove before a rebuild starts. */
  leftovers(names: readonly string[]): Promise<string[]>;
  /** Empty `<t>__rebuild` copies of `tables`, each with the structure of `t` now. */
  createFresh(tables: readonly string[], progress: (line: string) => void): Promise<void>;
  /** Every rename in one statement. */
  rename(renames: ReadonlyArray<[from: string, to: string]>): Promise<void>;
  /** Drops `names` if they exist, in `withinMs` in all, or rejects (the next rebuild drops what is left). */
  drop(names: readonly string[], withinMs?: number): Promise<void>;
}

/** The tables of a rebuild on one server, or on every server of `cluster` when given. */
export function rebuildTables(ch: TablesConnection, cluster = ''): RebuildTables {
  return cluster ? new ClusterTables(ch, cluster) : new ServerTables(ch);
}

/** Rejects when `work` has not settled within the time left before `deadline`; `work` may settle later, unheard. */
async function within<T>(work: Promise<T>, deadline: number, what: string, withinMs: number): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${withinMs} ms in all`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** 18.16's refusal to CREATE over the data folder an unclean DROP left (a DROP cut short by a restart). */
const DATA_FOLDER_LEFT = 'Data directory for table already containing data parts';

class ServerTables implements RebuildTables {
  constructor(private readonly ch: TablesConnection) {}

  async existing(names: readonly string[]): Promise<Set<string>> {
    const rows = await this.ch.query<{ name: string }>(
      'rebuild:tables',
      `SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ${sqlStringList(names)} ORDER BY name`,
    );
    return new Set(rows.map((r) => r.name));
  }

  async leftovers(names: readonly string[]): Promise<string[]> {
    return [...(await this.existing(names))];
  }

  async createFresh(tables: readonly string[], progress: (line: string) => void): Promise<void> {
    for (const t of tables) await this.createOne(t, progress);
  }

  /**
   * `CREATE TABLE <t>__rebuild AS <t>`. If an earlier DROP of that table was cut short, 18.16 has no
   * such table but still has its data folder, and refuses the CREATE until the folder is gone: the
   * folder is attached under the live table's definition and dropped, which removes it, and the
   * CREATE is tried again. No one has to remove it by hand.
   */
  private async createOne(table: string, progress: (line: string) => void): Promise<void> {
    const ch = this.ch;
    const fresh = sqlIdent(table + REBUILD_SUFFIX);
    const create = () => ch.command('rebuild:create', `CREATE TABLE ${fresh} AS ${sqlIdent(table)}`);
    try {
      await create();
    } catch (e) {
      if (!(e as Error).message?.includes(DATA_FOLDER_LEFT)) throw e;
      progress(`${table}${REBUILD_SUFFIX} has a data folder left by a DROP cut short; attaching it to drop it`);
      const [shown] = await ch.query<{ statement: string }>('rebuild:leftovers', `SHOW CREATE TABLE ${sqlIdent(table)}`);
      const attach = shown.statement.replace(/^CREATE TABLE \S+/, `ATTACH TABLE ${fresh}`);
      if (attach === shown.statement) throw e;
      await ch.command('rebuild:leftovers', attach);
      await ch.command('rebuild:drop', `DROP TABLE ${fresh}`);
      await create();
    }
  }

  async rename(renames: ReadonlyArray<[string, string]>): Promise<void> {
    await this.ch.command('rebuild:swap', `RENAME TABLE ${renames.map(([from, to]) => `${sqlIdent(from)} TO ${sqlIdent(to)}`).join(', ')}`);
  }

  /** On 18.16 a DROP waits for the table's merges and locks and can take minutes: each is bounded by what is left of `withinMs`. */
  async drop(names: readonly string[], withinMs = Infinity): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (const t of names) {
      const drop = this.ch.command('rebuild:drop', `DROP TABLE IF EXISTS ${sqlIdent(t)}`);
      await (Number.isFinite(withinMs) ? within(drop, deadline, `DROP TABLE ${sqlIdent(t)}`, withinMs) : drop);
    }
  }
}

/**
 * On a cluster every statement runs ON CLUSTER, and 18.16's DDL queue takes about 0.5–1 s for each:
 * statements that need not follow one another are sent CLUSTER_DDL_AT_ONCE at a time, and the swap
 * is one RENAME. Only the `_local` tables are renamed: the Distributed table `t` names its local
 * table, `t_local`, and reads whichever table holds that name, so after `t_local` → `t__old_local`,
 * `t__rebuild_local` → `t_local` it reads the rebuilt rows. The Distributed `t__rebuild`, through
 * which the rebuild wrote and read its copies, is dropped with the old copy.
 */
class ClusterTables implements RebuildTables {
  private readonly on: string;

  constructor(
    private readonly ch: TablesConnection,
    private readonly cluster: string,
  ) {
    this.on = `ON CLUSTER ${sqlIdent(cluster)}`;
  }

  private q(name: string): string {
    return `${this.ch.database}.${sqlIdent(name)}`;
  }

  /** How many servers have each of `names` (system.tables of every server: `<cluster>_each` has each server as its own shard), and how many servers there are. */
  private async census(names: readonly string[]): Promise<{ servers: number; has: Map<string, number> }> {
    const each = sqlString(this.cluster + PER_NODE_SUFFIX);
    const [{ n }] = await this.ch.query<{ n: string }>(
      'rebuild:servers',
      `SELECT count() AS n FROM system.clusters WHERE cluster = ${each}`,
    );
    const rows = await this.ch.query<{ name: string; servers: string }>(
      'rebuild:tables',
      `SELECT name, count() AS servers FROM cluster(${each}, system, tables)
        WHERE database = ${sqlString(this.ch.database)} AND name IN ${sqlStringList(names)} GROUP BY name`,
    );
    return { servers: Number(n), has: new Map(rows.map((r) => [r.name, Number(r.servers)])) };
  }

  async existing(names: readonly string[]): Promise<Set<string>> {
    const { servers, has } = await this.census(names.map((n) => n + LOCAL_SUFFIX));
    const found = new Set<string>();
    for (const name of names) {
      const on = has.get(name + LOCAL_SUFFIX) ?? 0;
      if (on === servers) found.add(name);
      else if (on > 0)
        throw new Error(
          `${this.ch.database}.${name}${LOCAL_SUFFIX} is on ${on} of ${servers} servers: an ON CLUSTER statement has not reached every server yet ` +
            '(one is down, or its DDL queue is behind). Start the missing server, wait for its queue (system.distributed_ddl_queue), then run rebuild again.',
        );
    }
    return found;
  }

  async leftovers(names: readonly string[]): Promise<string[]> {
    const { has } = await this.census(names.flatMap((n) => [n, n + LOCAL_SUFFIX]));
    return names.filter((n) => has.has(n) || has.has(n + LOCAL_SUFFIX));
  }

  /**
   * `t__rebuild_local` with the structure and engine of `t_local` but a ZooKeeper path of its own
   * (the live table's path is in use, and after a swap the live table keeps its copy's path, so each
   * copy gets a new one), then the Distributed `t__rebuild` over it, like `t` over `t_local`.
   */
  async createFresh(tables: readonly string[], progress: (line: string) => void): Promise<void> {
    const token = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const statements = await Promise.all(tables.map((t) => this.freshStatements(t, token)));
    progress(`creating ${tables.length} ${REBUILD_SUFFIX} tables and their local tables ON CLUSTER ${this.cluster}`);
    await this.each(statements.map(([local]) => local));
    await this.each(statements.map(([, distributed]) => distributed));
  }

  private async freshStatements(table: string, token: string): Promise<[local: string, distributed: string]> {
    const fresh = table + REBUILD_SUFFIX;
    const local = table + LOCAL_SUFFIX;
    const [shown] = await this.ch.query<{ statement: string }>('rebuild:create', `SHOW CREATE TABLE ${this.q(local)}`);
    const replicated = /\bENGINE = Replicated\w*MergeTree\('([^']*)'/.exec(shown.statement);
    if (!replicated)
      throw new Error(
        `${this.q(local)} is not a Replicated*MergeTree table (${shown.statement.slice(0, 160)}): a cluster's tables are made by the migrations with CLICKHOUSE_CLUSTER set`,
      );
    const path = `/clickhouse/tables/{shard}/${this.ch.database}/${fresh}${LOCAL_SUFFIX}-${token}`;
    const createLocal = shown.statement
      .replace(/^CREATE TABLE \S+/, `CREATE TABLE ${this.q(fresh + LOCAL_SUFFIX)} ${this.on}`)
      .replace(replicated[0], replicated[0].replace(`'${replicated[1]}'`, sqlString(path)));
    const [over] = await this.ch.query<{ engine: string }>(
      'rebuild:create',
      `SELECT engine_full AS engine FROM system.tables WHERE database = ${sqlString(this.ch.database)} AND name = ${sqlString(table)}`,
    );
    const target = new RegExp(`^(Distributed\\([^,]+,\\s*[^,]+,\\s*)${local}(\\s*[,)])`);
    if (!over || !target.test(over.engine))
      throw new Error(
        `${this.q(table)} is not a Distributed table over ${local} (engine ${over?.engine ?? 'none'}): cannot rebuild it on a cluster`,
      );
    const engine = over.engine.replace(target, `$1${fresh}${LOCAL_SUFFIX}$2`);
    return [createLocal, `CREATE TABLE ${this.q(fresh)} ${this.on} AS ${this.q(fresh + LOCAL_SUFFIX)} ENGINE = ${engine}`];
  }

  async rename(renames: ReadonlyArray<[string, string]>): Promise<void> {
    const pairs = renames.map(([from, to]) => `${this.q(from + LOCAL_SUFFIX)} TO ${this.q(to + LOCAL_SUFFIX)}`);
    await this.ch.command('rebuild:swap', `RENAME TABLE ${pairs.join(', ')} ${this.on}`);
  }

  /** Each name's Distributed table (a live `t` is never dropped here) and its local table. */
  async drop(names: readonly string[], withinMs = Infinity): Promise<void> {
    const statements = names.flatMap((n) => [n, n + LOCAL_SUFFIX]).map((t) => `DROP TABLE IF EXISTS ${this.q(t)} ${this.on}`);
    const work = this.each(statements);
    await (Number.isFinite(withinMs) ? within(work, Date.now() + withinMs, `DROP TABLE of ${names.join(', ')}`, withinMs) : work);
  }

  /** Independent ON CLUSTER statements, a few at a time: the DDL queue runs them in turn, and the waits overlap. */
  private async each(statements: readonly string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < statements.length) {
        const sql = statements[next++];
        await this.ch.command(sql.startsWith('DROP') ? 'rebuild:drop' : 'rebuild:create', sql);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CLUSTER_DDL_AT_ONCE, statements.length) }, worker));
  }
}

/** ON CLUSTER statements in flight at once. */
const CLUSTER_DDL_AT_ONCE = 4;
