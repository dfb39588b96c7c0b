import { COPY_WINDOW_MS } from '@wise/contracts';
import { ensurePostgresDatabase, EventGenerationsRepository, migratePostgres, Postgres } from '@wise/postgres';
import { testEnv, uniqueSlug } from '@wise/testing';

// The generation rule against the real PostgreSQL, with receipt times given (no waiting 4 hours):
// add(S) at 10:00, remove(S) at 10:02, and the add's bytes again at 15:00, past the copy window
// (4 h 16 min 5 s) and after the removal: a new event. Copies within the window, and late copies
// with no later event of their entity, are retries. Copies received at once by several processes
// agree. Each test names its bodies after a fresh institute, so the shared database needs no reset.
describe('event generations in PostgreSQL', () => {
  const { DATABASE_URL } = testEnv();
  let pg: Postgres;
  let repo: EventGenerationsRepository;
  const T0 = Date.parse('2024-06-03T10:00:00Z');
  const MIN = 60_000;

  beforeAll(async () => {
    await ensurePostgresDatabase(DATABASE_URL!);
    pg = new Postgres(DATABASE_URL!, 8);
    await migratePostgres(pg);
    repo = new EventGenerationsRepository(pg);
  });
  afterAll(async () => {
    await pg.close();
  });

  /** Receipts of bodies of one institute; `entity` defaults to one student's membership. */
  function institute() {
    const slug = uniqueSlug('gen');
    return (body: string, atMs: number, entity = 'member:c1:student:s1') =>
      repo.generationOf({ baseId: `${slug}:${body}`, instituteId: slug, entity, receivedAtMs: atMs, copyWindowMs: COPY_WINDOW_MS });
  }

  it('add, remove, and the add again past its window: the third is a new event, and its copies keep its id', async () => {
    const receive = institute();
    expect(await receive('add', T0)).toEqual({ generation: 0, started: true });
    expect(await receive('remove', T0 + 2 * MIN)).toEqual({ generation: 0, started: true });
    // Wise's retry of the add, within the window: a copy, although the removal came in between.
    expect(await receive('add', T0 + 60 * MIN)).toEqual({ generation: 0, started: false });
    expect(await receive('add', T0 + 5 * 60 * MIN)).toEqual({ generation: 1, started: true });
    // Copies of the new event, within its own window (counted from its receipt at 15:00).
    expect(await receive('add', T0 + 5 * 60 * MIN + 7 * MIN)).toEqual({ generation: 1, started: false });
    expect(await receive('add', T0 + 9 * 60 * MIN)).toEqual({ generation: 1, started: false });
    // And the removal again after that: a new removal.
    expect(await receive('remove', T0 + 10 * 60 * MIN)).toEqual({ generation: 1, started: true });
  });

  it('a copy exactly at the end of the window is still a retry; a millisecond later it is new', async () => {
    const receive = institute();
    await receive('suspend', T0, 'suspension:c1:s1');
    await receive('unsuspend', T0 + MIN, 'suspension:c1:s1');
    expect(await receive('suspend', T0 + COPY_WINDOW_MS, 'suspension:c1:s1')).toEqual({ generation: 0, started: false });
    expect(await receive('suspend', T0 + COPY_WINDOW_MS + 1, 'suspension:c1:s1')).toEqual({ generation: 1, started: true });
  });

  it('a late copy with no later event of its entity is a retry, whatever happened to other entities', async () => {
    const receive = institute();
    await receive('pay', T0, 'payment:tx-1');
    await receive('other-pay', T0 + MIN, 'payment:tx-2');
    await receive('add', T0 + MIN);
    expect(await receive('pay', T0 + 24 * 60 * MIN, 'payment:tx-1')).toEqual({ generation: 0, started: false });
  });

  it("another institute's events of a same-named entity do not make a late copy new", async () => {
    const a = institute();
    const b = institute();
    await b('add', T0);
    await a('add', T0);
    await a('remove', T0 + MIN);
    expect(await b('add', T0 + 5 * 60 * MIN)).toEqual({ generation: 0, started: false });
  });

  it('copies received at once by several processes all get the same generation, which exactly one of them started', async () => {
    const receive = institute();
    await receive('add', T0);
    await receive('remove', T0 + MIN);
    // Each call takes its own pooled connection: sixteen concurrent statements on the same row.
    const late = T0 + 6 * 60 * MIN;
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => receive('add', late + i)));
    expect(new Set(answers.map((a) => a.generation))).toEqual(new Set([1]));
    expect(answers.filter((a) => a.started)).toHaveLength(1);
  });
});
