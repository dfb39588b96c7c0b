/*
 * PostgresVersions against a real PostgreSQL and ClickHouse: the sequence every projector and the
 * CLI take serving versions from. It must never hand out a version at or below one already
 * stored (a sequence behind the stores, after PostgreSQL was restored from an old backup or
 * pointed at a new database), also when several processes start at once, and never the same
 * version twice.
 */
import { randomBytes } from 'node:crypto';
import type { ClickHouse } from '@wise/clickhouse';
import { ensurePostgresDatabase, migratePostgres, Postgres } from '@wise/postgres';
import { PostgresVersions, VersionsUnavailable } from '@wise/serving';
import { createTestDatabase, dropTestDatabase } from './analytics-db';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const STORED = 5_000_000_000_000_001;

describe('serving versions from PostgreSQL', () => {
  const name = `wise_test_versions_${randomBytes(4).toString('hex')}`;
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  let ch: ClickHouse;
  const pools: Postgres[] = [];
  const pool = () => {
    const p = new Postgres(url, 2);
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    ch = await createTestDatabase();
    await ensurePostgresDatabase(url);
    await migratePostgres(pool());
    // A row written before this database's sequence existed, above where the sequence starts.
    await ch.insert('sessions_store', [
      { institute_id: 'i', session_id: 's', classroom_id: 'c', is_deleted: 0, is_cancelled: 0, _version: STORED },
    ]);
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    const admin = new Postgres(ADMIN_URL, 1);
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.close();
    await dropTestDatabase(ch);
  });

  it('starts above every stored version, and five processes starting at once never share a version', async () => {
    const processes = Array.from({ length: 5 }, () => new PostgresVersions(pool(), ch));
    const versions = (await Promise.all(processes.flatMap((p) => [p.next(), p.next(), p.next()]))).sort((a, b) => a - b);
    expect(versions[0]).toBeGreaterThan(STORED);
    expect(new Set(versions).size).toBe(versions.length);
    for (const v of versions) expect(v % 2).toBe(0);
  });

  it('checks the stores again when the sequence goes back, and hands out a version above all it issued', async () => {
    const p = new PostgresVersions(pool(), ch);
    const before = await p.next();
    await pools[0].query(`SELECT setval('serving_versions', 4000000000000000)`);
    const after = await p.next();
    expect(after).toBeGreaterThan(before);
  });

  it('says what to check when PostgreSQL cannot be reached, as an error the projector retries', async () => {
    const away = new Postgres('postgres://postgres@127.0.0.1:1/none', 1);
    pools.push(away);
    const err = await new PostgresVersions(away, ch).next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionsUnavailable);
    expect((err as Error).message).toMatch(/serving_versions sequence .*Check DATABASE_URL and that PostgreSQL is up/);
  });
});
