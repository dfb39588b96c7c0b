import { ensurePostgresDatabase, Postgres } from '@wise/postgres';

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
