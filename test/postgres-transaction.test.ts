import { randomBytes } from 'node:crypto';
import { ensurePostgresDatabase, Postgres, QuarantineReplaysRepository } from '@wise/postgres';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/wise_test';

// A serving round holds a transaction open while it works in ClickHouse (its lease). PostgreSQL
// stopped meanwhile ends that connection while no query is on it; the fault scenario 6 projector
// died of the 'error' event nobody listened for. Here the server ends it the same way.
describe('a transaction whose connection the server ends while it is idle in it', () => {
  let pg: Postgres;
  let admin: Postgres;

  beforeAll(async () => {
    await ensurePostgresDatabase(PG_URL);
    pg = new Postgres(PG_URL, 1);
    admin = new Postgres(PG_URL, 1);
  });
  afterAll(async () => {
    await Promise.all([pg?.close(), admin?.close()]);
  });

  it('fails, without an unheard error event, and the pool goes on with a new connection', async () => {
    let first = 0;
    await expect(
      pg.transaction(async (tx) => {
        first = Number((await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
        await admin.query('SELECT pg_terminate_backend($1)', [first]);
        // Idle in the transaction while the termination arrives.
        await new Promise((r) => setTimeout(r, 300));
      }),
    ).rejects.toThrow();
    const [{ pid }] = await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(Number(pid)).not.toBe(first);
  });
});

// The quarantine replay holds a session's advisory lock on one connection while it publishes to
// Kafka, idle in between: the same event would end the CLI with an unhandled error, and the lock
// would be gone without the replay knowing.
describe('a quarantine replay whose lock connection the server ends', () => {
  // A database of its own: the replay lock is looked up in pg_locks by this database.
  const url = `postgres://postgres@127.0.0.1:5432/wise_test_session_${randomBytes(4).toString('hex')}`;
  let pg: Postgres;
  let admin: Postgres;

  beforeAll(async () => {
    await ensurePostgresDatabase(url);
    pg = new Postgres(url, 2);
    admin = new Postgres(url, 1);
  });
  afterAll(async () => {
    await Promise.all([pg?.close(), admin?.close()]);
    const root = new Postgres('postgres://postgres@127.0.0.1:5432/postgres', 1);
    await root.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)}`).catch(() => undefined);
    await root.close();
  });

  it('fails naming the lost lock and what to do, and the next replay takes the lock', async () => {
    const replays = new QuarantineReplaysRepository(pg);
    await expect(
      replays.exclusively(async () => {
        const holders = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        expect(holders).toHaveLength(1);
        await admin.query('SELECT pg_terminate_backend($1)', [holders[0].pid]);
        // Publishing meanwhile: the lock's connection is idle when the termination arrives.
        await new Promise((r) => setTimeout(r, 300));
        return 'published';
      }),
    ).rejects.toThrow(
      /connection holding the quarantine replay's lock was lost during the replay .*run `npm run cli -- quarantine replay` again/,
    );
    await expect(replays.exclusively(async () => 'again')).resolves.toBe('again');
  });
});
