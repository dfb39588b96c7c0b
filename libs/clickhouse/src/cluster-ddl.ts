import type { Migration } from './migration-files';
import { sqlIdent } from './quote';

/**
 * The cluster variant of the migrations (CLICKHOUSE_CLUSTER=<name>): the same statements,
 * rendered for a ClickHouse cluster with shards and replicas.
 *
 * - Every MergeTree-family table `t` becomes `t_local`, a Replicated* table on every node (ZooKeeper
 *   path `/clickhouse/tables/{shard}/{database}/t_local`, replica `{replica}`: the servers' macros),
 *   plus `t`, a Distributed table over `t_local`. Apps and views keep using `t`: inserts are spread
 *   over the shards by the first column of the table's ORDER BY (institute_id), so the copies of one
 *   event always meet on one shard and ReplacingMergeTree can still collapse them; reads gather from
 *   every shard.
 * - Views and other DDL get `ON CLUSTER <name>`; their SELECTs read the Distributed tables.
 * - Every name a statement holds is qualified with the database: 18.16 runs ON CLUSTER DDL on each
 *   server in its `default` database, whatever the database of the connection that sent it (a view
 *   reading `t` would look for `default.t`).
 * - The ZooKeeper path of a replicated table holds its database written out, not `{database}`:
 *   18.16 keeps the macro in the table's metadata and unfolds it at every start, so a table moved
 *   to another database (0013) would look for its replicas under a path that does not exist.
 * - A column change of a Distributed table runs ON CLUSTER `<name>_each` (PER_NODE_SUFFIX), a
 *   cluster in which every server is its own shard: 18.16 refuses ALTER ON CLUSTER on a Distributed
 *   table of a cluster with replicas (code 371).
 * - `RENAME TABLE t TO db.t` (a move to another database, as 0013 does with the raw tables) moves
 *   `t_local` and puts a new Distributed table `db.t` over it.
 * - A statement of a shape this file does not know is refused with its migration named, so that a new
 *   migration never reaches a cluster half-rendered.
 *
 * Pure text rewriting over our own migration files, which follow a plain style (unquoted names,
 * one statement per `;`). Engines are found by pattern, never from a list of tables.
 */

export const LOCAL_SUFFIX = '_local';

/**
 * The second cluster every deployment defines beside CLICKHOUSE_CLUSTER, named after it with this
 * suffix: the same servers, each its own shard (docs/scaling.md, "A ClickHouse cluster").
 */
export const PER_NODE_SUFFIX = '_each';

export class ClusterDdlError extends Error {
  constructor(where: string, statement: string, why: string) {
    super(`${where}: cannot render for a cluster (${why}): ${statement.replace(/\s+/g, ' ').slice(0, 160)}`);
    this.name = 'ClusterDdlError';
  }
}

export interface ClusterTarget {
  /** A cluster of the servers' remote_servers config. */
  cluster: string;
  /** The database the tables live in (Distributed tables name it). */
  database: string;
}

const NAME = '([A-Za-z_][A-Za-z0-9_]*)';
const CREATE_TABLE = new RegExp(`^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s*`, 'i');
const CREATE_VIEW = new RegExp(`^CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s+`, 'i');
const CREATE_MV = new RegExp(`^CREATE\\s+MATERIALIZED\\s+VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s+`, 'i');
const CREATE_DATABASE = new RegExp(`^CREATE\\s+DATABASE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}`, 'i');
const ALTER_TABLE = new RegExp(`^ALTER\\s+TABLE\\s+${NAME}\\s+`, 'i');
const DROP = new RegExp(`^DROP\\s+(TABLE|VIEW|DICTIONARY)\\s+(IF\\s+EXISTS\\s+)?${NAME}\\s*(SYNC)?\\s*$`, 'i');
const RENAME = new RegExp(`^RENAME\\s+TABLE\\s+${NAME}\\s+TO\\s+${NAME}\\.${NAME}\\s*$`, 'i');
const ON_LOCAL = new RegExp(`^(OPTIMIZE|TRUNCATE)\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?${NAME}\\b`, 'i');
const INSERT = /^INSERT\s+INTO\s+/i;
const ENGINE = /\bENGINE\s*=\s*(\w*?)MergeTree\b/i;
const ANY_ENGINE = /\bENGINE\s*=\s*(\w+)/i;
// A table read by a view: after FROM or JOIN, not a table function, not already qualified.
const TABLE_READ = new RegExp(`\\b(FROM|JOIN)(\\s+)${NAME}\\b(?![.(])`, 'gi');
// ALTER actions that change columns: the Distributed table must follow its local table.
const COLUMN_ACTION = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;
const SORTING_KEY_ACTION = /^MODIFY\s+ORDER\s+BY\b/i;

/** Renders every migration for `target`, in order (a table created in one migration may be altered in a later one). */
export function renderMigrationsForCluster(migrations: readonly Migration[], target: ClusterTarget): Migration[] {
  const renderer = new ClusterRenderer(target);
  return migrations.map((m) => ({ ...m, statements: m.statements.flatMap((s) => renderer.render(s, `migration ${m.name}`)) }));
}

/** Renders statements one by one, remembering which names are sharded tables (`t` over `t_local`). */
export class ClusterRenderer {
  private readonly sharded = new Set<string>();
  /** Every table and view the migrations created so far: the names a view's SELECT may read. */
  private readonly known = new Set<string>();
  private readonly on: string;
  private readonly onEach: string;
  private readonly database: string;

  constructor(private readonly target: ClusterTarget) {
    this.on = `ON CLUSTER ${sqlIdent(target.cluster)}`;
    this.onEach = `ON CLUSTER ${sqlIdent(target.cluster + PER_NODE_SUFFIX)}`;
    this.database = sqlIdent(target.database);
  }

  /** `name` in the target database, unless it names its database already. */
  private q(name: string): string {
    return name.includes('.') ? name : `${this.database}.${name}`;
  }

  /** The SELECT of a view with every table it reads qualified. */
  private qualifyReads(select: string): string {
    return select.replace(TABLE_READ, (all, kw: string, space: string, name: string) =>
      this.known.has(name) ? `${kw}${space}${this.q(name)}` : all,
    );
  }

  render(statement: string, where: string): string[] {
    const s = statement.trim();
    const fail = (why: string) => new ClusterDdlError(where, s, why);
    if (/\bON\s+CLUSTER\b/i.test(s)) throw fail('already names a cluster; migrations are written for one server');

    let m: RegExpExecArray | null;
    if ((m = CREATE_TABLE.exec(s))) return this.createTable(s, m, fail);
    if ((m = CREATE_VIEW.exec(s))) {
      this.known.add(m[3]);
      return [this.createNamed(s, m[0], m[3])];
    }
    if ((m = CREATE_MV.exec(s))) {
      // Inserts reach tables through their Distributed table, which fires the view once on the node
      // taking the insert; a TO table then spreads the view's rows over the shards. An inner ENGINE
      // would keep them on that one node.
      const to = new RegExp(`^\\s*TO\\s+${NAME}\\s+`, 'i').exec(s.slice(m[0].length));
      if (!to) throw fail('a materialized view needs `TO <table>` on a cluster');
      this.known.add(m[2]);
      const rest = s.slice(m[0].length + to[0].length);
      return [`${m[0].trimEnd().replace(new RegExp(`${m[2]}$`), this.q(m[2]))} ${this.on} TO ${this.q(to[1])} ${this.qualifyReads(rest)}`];
    }
    if ((m = CREATE_DATABASE.exec(s))) return [this.insertOnCluster(s, m[0])];
    if ((m = ALTER_TABLE.exec(s))) return this.alter(s, m, fail);
    if ((m = DROP.exec(s))) {
      const [, kind, ifExists = '', name, sync = ''] = m;
      const drop = (n: string) => `DROP ${kind} ${ifExists}${this.q(n)} ${this.on}${sync ? ' ' + sync : ''}`;
      if (!this.sharded.has(name)) return [drop(name)];
      this.sharded.delete(name);
      return [drop(name), drop(name + LOCAL_SUFFIX)];
    }
    if ((m = RENAME.exec(s))) return this.moveTable(m[1], m[2], m[3]);
    if ((m = ON_LOCAL.exec(s))) {
      const name = m[3];
      const rest = s.slice(m[0].length);
      // 18.16 fails every OPTIMIZE … ON CLUSTER … FINAL that names no partition ("Unknown log entry type: 0").
      if (/^OPTIMIZE$/i.test(m[1]) && !/\bPARTITION\b/i.test(rest)) throw fail('OPTIMIZE on a cluster must name a PARTITION');
      const local = this.sharded.has(name) ? name + LOCAL_SUFFIX : name;
      return [`${m[1]} TABLE ${m[2] ?? ''}${this.q(local)} ${this.on}${rest}`];
    }
    // Data statements run once, through the Distributed tables, exactly as written.
    if (INSERT.test(s)) return [s];
    throw fail('unknown statement kind: add its rendering to libs/clickhouse/src/cluster-ddl.ts');
  }

  /**
   * `RENAME TABLE t TO db.t2`, a move to another database. A sharded table moves its local table
   * and gets a new Distributed table in `db` (a Distributed table names the database of its local
   * table, so the old one cannot follow). The replicas keep their ZooKeeper path: current
   * ClickHouse unfolds `{database}` in it when the table is created.
   */
  private moveTable(from: string, database: string, to: string): string[] {
    const move = (a: string, b: string) => `RENAME TABLE ${this.q(a)} TO ${database}.${b} ${this.on}`;
    if (!this.sharded.has(from)) return [move(from, to)];
    this.sharded.delete(from);
    const local = to + LOCAL_SUFFIX;
    return [
      move(from + LOCAL_SUFFIX, local),
      `DROP TABLE IF EXISTS ${this.q(from)} ${this.on}`,
      `CREATE TABLE IF NOT EXISTS ${database}.${to} ${this.on} AS ${database}.${local} ENGINE = Distributed(${this.target.cluster}, ${database}, ${local}, ${this.shardKeyOf(from)})`,
    ];
  }

  private insertOnCluster(s: string, head: string): string {
    return `${head.trimEnd()} ${this.on} ${s.slice(head.length).trimStart()}`;
  }

  /** `CREATE … name rest` → `CREATE … db.name ON CLUSTER c rest`, with the tables `rest` reads qualified. */
  private createNamed(s: string, head: string, name: string): string {
    const qualifiedHead = head.trimEnd().replace(new RegExp(`${name}$`), this.q(name));
    return `${qualifiedHead} ${this.on} ${this.qualifyReads(s.slice(head.length).trimStart())}`;
  }

  private createTable(s: string, m: RegExpExecArray, fail: (why: string) => Error): string[] {
    const ifNotExists = m[1] ? 'IF NOT EXISTS ' : '';
    const name = m[2];
    const rest = s.slice(m[0].length);
    const local = name + LOCAL_SUFFIX;
    this.known.add(name);

    // `CREATE TABLE t AS other` (same structure and engine): follows `other`.
    const like = new RegExp(`^AS\\s+${NAME}\\s*$`, 'i').exec(rest);
    if (like) {
      if (!this.sharded.has(like[1])) return [`CREATE TABLE ${ifNotExists}${this.q(name)} ${this.on} AS ${this.q(like[1])}`];
      this.sharded.add(name);
      return [
        `CREATE TABLE ${ifNotExists}${this.q(local)} ${this.on} AS ${this.q(like[1] + LOCAL_SUFFIX)}`,
        this.distributed(ifNotExists, name, this.shardKeyOf(like[1])),
      ];
    }

    const engine = ENGINE.exec(rest);
    if (!engine) throw fail(`engine ${ANY_ENGINE.exec(rest)?.[1] ?? '(none)'} is not of the MergeTree family`);
    if (/^Replicated/i.test(engine[1])) return [`CREATE TABLE ${ifNotExists}${this.q(name)} ${this.on} ${rest}`];

    const replicated = this.replicatedEngine(rest, engine, local);
    const orderBy = /\bORDER\s+BY\s*\(?\s*([A-Za-z_][A-Za-z0-9_]*)/i.exec(rest);
    const key = orderBy && orderBy[1].toLowerCase() !== 'tuple' ? `cityHash64(${orderBy[1]})` : 'rand()';
    this.shardKeys.set(name, key);
    this.sharded.add(name);
    return [`CREATE TABLE ${ifNotExists}${this.q(local)} ${this.on} ${replicated}`, this.distributed(ifNotExists, name, key)];
  }

  private readonly shardKeys = new Map<string, string>();

  private shardKeyOf(table: string): string {
    return this.shardKeys.get(table) ?? 'rand()';
  }

  private distributed(ifNotExists: string, name: string, key: string): string {
    const { cluster } = this.target;
    this.shardKeys.set(name, key);
    return `CREATE TABLE ${ifNotExists}${this.q(name)} ${this.on} AS ${this.q(name + LOCAL_SUFFIX)} ENGINE = Distributed(${cluster}, ${this.database}, ${name}${LOCAL_SUFFIX}, ${key})`;
  }

  /** `XMergeTree[(args)]` → `ReplicatedXMergeTree('<path>', '{replica}'[, args])`. */
  private replicatedEngine(rest: string, engine: RegExpExecArray, local: string): string {
    const after = engine.index + engine[0].length;
    let args = '';
    let end = after;
    const open = /^\s*\(/.exec(rest.slice(after));
    if (open) {
      let depth = 0;
      let i = after + open[0].length - 1;
      for (; i < rest.length; i++) {
        if (rest[i] === '(') depth++;
        else if (rest[i] === ')' && --depth === 0) break;
      }
      args = rest.slice(after + open[0].length, i).trim();
      end = i + 1;
    }
    const path = `'/clickhouse/tables/{shard}/${this.database}/${local}'`;
    const params = [path, "'{replica}'", ...(args ? [args] : [])].join(', ');
    return `${rest.slice(0, engine.index)}ENGINE = Replicated${engine[1]}MergeTree(${params})${rest.slice(end)}`;
  }

  private alter(s: string, m: RegExpExecArray, fail: (why: string) => Error): string[] {
    const name = m[1];
    const actions = s.slice(m[0].length);
    const alter = (n: string) => `ALTER TABLE ${this.q(n)} ${this.on} ${actions}`;
    if (!this.sharded.has(name)) return [alter(name)];
    const parts = splitTopLevel(actions);
    const columnParts = parts.filter((p) => COLUMN_ACTION.test(p));
    const alterDistributed = (a: string) => `ALTER TABLE ${this.q(name)} ${this.onEach} ${a}`;
    if (columnParts.length === 0) return [alter(name + LOCAL_SUFFIX)]; // mutations, indexes, TTL: the data is local
    if (columnParts.length === parts.length) return [alter(name + LOCAL_SUFFIX), alterDistributed(actions)];
    // A new column joins the sorting key only in the ALTER that adds it: the local table takes both,
    // the Distributed table (which has no key) the column alone.
    if (parts.every((p) => COLUMN_ACTION.test(p) || SORTING_KEY_ACTION.test(p)))
      return [alter(name + LOCAL_SUFFIX), alterDistributed(columnParts.join(', '))];
    throw fail('mixes column changes with other actions; split it into two ALTERs');
  }
}

/** Splits `a, b(c, d), e` at its top-level commas. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === "'") quote = false;
    } else if (c === "'") quote = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter(Boolean);
}
