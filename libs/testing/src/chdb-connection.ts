import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlIdent, tableRef, type ClickHouseConnection, type Row } from '@wise/clickhouse';

type ChdbSession = { queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>; close(): void };

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
  ) {}

  static acquire(): SharedSession {
    if (!SharedSession.current) {
      // chDB is a dev dependency (the official engine, 26.x, in-process, 180 MB): loaded only by
      // the tests that ask for the current engine.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Session } = require('chdb') as { Session: new (path: string) => ChdbSession };
      const dir = mkdtempSync(join(tmpdir(), 'wise-chdb-'));
      SharedSession.current = new SharedSession(new Session(dir), dir);
    }
    SharedSession.current.refs++;
    return SharedSession.current;
  }

  release(): void {
    if (--this.refs > 0) return;
    SharedSession.current = null;
    this.session.close();
    rmSync(this.dir, { recursive: true, force: true });
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
  private readonly shared = SharedSession.acquire();
  private closed = false;

  private constructor(readonly database: string) {}

  static async open(database: string): Promise<ChdbConnection> {
    const conn = new ChdbConnection(sqlIdent(database));
    await conn.ensureDatabase();
    return conn;
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
