import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlIdent, tableRef, type ClickHouseConnection, type Row } from '@wise/clickhouse';

type ChdbSession = { queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>; close(): void };

export interface ChdbOptions {
  /** A data directory of the caller's, kept after the last close so that it can be opened again; by default a fresh one, removed then. */
  dataDir?: string;
  /**
   * A ClickHouse config file for the engine (users and access). The engine runs every statement as
   * its user `default`, so a test of another user's rights gives that user's definition that name.
   */
  configFile?: string;
}

/**
 * chDB allows one data directory per process, and `USE` is the session's: every connection of
 * this process shares one session, and each statement runs behind the previous one, preceded by a
 * USE of its connection's database when another database was in use.
 */
class SharedSession {
  private static current: SharedSession | null = null;
  private refs = 0;
  private inUse = '';
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ChdbSession,
    private readonly dir: string,
    private readonly options: ChdbOptions,
  ) {}

  static acquire(options: ChdbOptions): SharedSession {
    let current = SharedSession.current;
    if (current && (current.options.dataDir !== options.dataDir || current.options.configFile !== options.configFile))
      throw new Error('chDB runs one data directory per process: close every ChdbConnection before opening one with other options');
    if (!current) {
      // chDB is a dev dependency (the official engine, 26.x, in-process, 180 MB): loaded only by
      // the tests that ask for the current engine.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Session } = require('chdb') as { Session: new (path: string, opts?: { connectionArgs?: string[] }) => ChdbSession };
      const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wise-chdb-'));
      const args = options.configFile ? { connectionArgs: [`--config-file=${options.configFile}`] } : undefined;
      current = SharedSession.current = new SharedSession(new Session(dir, args), dir, options);
    }
    current.refs++;
    return current;
  }

  release(): void {
    if (--this.refs > 0) return;
    SharedSession.current = null;
    this.session.close();
    if (this.options.dataDir === undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  run(database: string, sql: string, format?: string): Promise<string> {
    const next = this.tail.then(async () => {
      if (database !== '' && this.inUse !== database) {
        await this.session.queryAsync(`USE ${database}`);
        this.inUse = database;
      }
      return (await this.session.queryAsync(sql, format ? { format } : undefined)).text();
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The current ClickHouse engine in this process, behind the same interface as the HTTP server.
 * It has no server, so only tests use it: they apply every migration and run every analytics
 * statement on it, proving the SQL runs unchanged on 18.16 (the native stack) and on 26.x.
 */
export class ChdbConnection implements ClickHouseConnection {
  private readonly shared: SharedSession;
  private closed = false;

  private constructor(
    readonly database: string,
    options: ChdbOptions,
  ) {
    this.shared = SharedSession.acquire(options);
  }

  /** A connection to `database`, created if missing. */
  static async open(database: string, options: ChdbOptions = {}): Promise<ChdbConnection> {
    const conn = new ChdbConnection(sqlIdent(database), options);
    await conn.ensureDatabase();
    return conn;
  }

  /** A connection to a `database` that exists already in `options.dataDir`, for a user who may not create one. */
  static reopen(database: string, options: ChdbOptions & { dataDir: string }): ChdbConnection {
    return new ChdbConnection(sqlIdent(database), options);
  }

  /** The engine's version, e.g. 26.7.2.1. */
  async serverVersion(): Promise<string> {
    return (await this.shared.run('', 'SELECT version()', 'TabSeparatedRaw')).trim();
  }

  async ensureDatabase(): Promise<void> {
    await this.shared.run('', `CREATE DATABASE IF NOT EXISTS ${this.database}`);
  }

  async command(purpose: string, sql: string): Promise<void> {
    await this.shared.run(this.database, `/* test:${purpose} */ ${sql}`);
  }

  /** One in-process server: there are no shards. */
  async commandOnEachShard(purpose: string, sql: string): Promise<void> {
    await this.command(purpose, sql);
  }

  async query<T = Row>(purpose: string, sql: string): Promise<T[]> {
    const text = await this.shared.run(this.database, `/* test:${purpose} */ ${sql}`, 'JSONEachRow');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as T);
  }

  async insert(table: string, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const body = rows.map((r) => JSON.stringify(r)).join('\n');
    await this.shared.run(
      this.database,
      `INSERT INTO ${tableRef(this.database, table)} SETTINGS date_time_input_format = 'best_effort' FORMAT JSONEachRow\n${body}`,
    );
  }

  /** Releases this connection; the process's chDB session closes with its last connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.release();
  }
}
