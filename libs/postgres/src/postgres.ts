import { Pool, PoolClient } from 'pg';

export type { PoolClient };

/** The only code that imports `pg`. */
export class Postgres {
  readonly pool: Pool;

  constructor(
    readonly url: string,
    max = 5,
  ) {
    this.pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the app; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const r = await this.pool.query(sql, params);
    return r.rows as T[];
  }

  /**
   * Runs `fn` on one connection of the pool, held for it (a session's advisory lock, a
   * transaction). The pool listens for errors on idle clients only: a connection lost while `fn`
   * holds it without a query on it (PostgreSQL stopped while a serving round's lease waits on
   * ClickHouse, or while the quarantine replay publishes) would be an 'error' event nobody hears,
   * which kills the process. Heard here, it fails the next query instead, `lost()` names it, and
   * the client is destroyed rather than pooled again.
   */
  async session<T>(fn: (client: PoolClient, lost: () => Error | undefined) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (e: Error) => {
      lost = e;
    };
    client.on('error', onError);
    try {
      return await fn(client, () => lost);
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.session(async (client) => {
      await client.query('BEGIN');
      try {
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Creates the database named in `url` when the server does not have it yet. For the operator (the
 * CLI, the migrate job, tests): only then does it connect to the `postgres` database, so an
 * existing database is migrated through whatever reaches it.
 */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`refusing database name ${JSON.stringify(name)} in DATABASE_URL`);
  const probe = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  try {
    await probe.query('SELECT 1');
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw e; // anything but "database does not exist"
  } finally {
    await probe.end();
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const pool = new Pool({ connectionString: admin.toString(), max: 1, connectionTimeoutMillis: 5000 });
  try {
    await pool.query(`CREATE DATABASE "${name}"`).catch((e: { code?: string }) => {
      if (e.code !== '42P04') throw e; // created meanwhile by another process
    });
  } finally {
    await pool.end();
  }
}
