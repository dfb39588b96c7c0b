import { Postgres } from '@wise/postgres';
import { assertTestDatabase, fixtureBytes, testEnv, uniqueName, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, AppProcess, freePort, post } from '../helpers';
import { runCli } from '../projector/harness';

// Ingestion never migrates PostgreSQL (its role cannot): started where `migrate` has not run, it
// listens, is not ready, says which command to run, and becomes ready by itself once it has run.
describe('ingestion started before the migrations ran', () => {
  const database = uniqueName('wise_test_schema');
  const env = testEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}` });
  const slug = uniqueSlug('schema');
  const key = 'schema-key-0123456789abcdef';
  const apps: AppProcess[] = [];

  async function start(): Promise<{ url: string; opsUrl: string; proc: AppProcess }> {
    const [port, opsPort] = [await freePort(), await freePort()];
    const proc = AppProcess.start('ingestion', { ...env, PORT: String(port), OPS_PORT: String(opsPort) });
    apps.push(proc);
    await proc.waitForLine(/ingestion listening/, 60000);
    return { url: `http://127.0.0.1:${port}`, opsUrl: `http://127.0.0.1:${opsPort}`, proc };
  }

  const problems = async (opsUrl: string) => {
    const r = await fetch(`${opsUrl}/ready`);
    return { status: r.status, problems: ((await r.json()) as { problems: string[] }).problems };
  };

  afterAll(async () => {
    for (const a of apps) await a.stop();
    assertTestDatabase(database);
    const admin = new Postgres('postgres://postgres@127.0.0.1:5432/postgres', 1);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.close());
  });

  it('no database yet: not ready, naming `npm run cli -- migrate`; webhooks 503; ready once migrate ran, and serving', async () => {
    const { url, opsUrl } = await start();
    const before = await problems(opsUrl);
    expect(before).toEqual({
      status: 503,
      problems: [
        expect.stringMatching(
          new RegExp(
            `^institutes not loaded: PostgreSQL database ${database} is not migrated for ingestion \\(database "${database}" does not exist\\): run \`npm run cli -- migrate\` as the database owner .*Webhooks get 503 until then`,
          ),
        ),
      ],
    });
    const refused = await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('FeeInvoiceChargedEvent'), { 'x-wise-key': key });
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '30']);

    const migrated = await runCli(env, ['migrate', '--postgres-only']);
    expect([migrated.code, migrated.stderr]).toEqual([0, '']);
    await addInstitute(env, slug, key);
    await waitFor('ingestion ready once migrate ran', async () => (await problems(opsUrl)).status === 200, 20000);
    // The first load may have run between `migrate` and the institute's INSERT: the institute is then
    // known from the next reload (INSTITUTES_REFRESH_MS, 200 ms here), and until then its key is 401.
    let accepted = await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('FeeInvoiceChargedEvent'), { 'x-wise-key': key });
    await waitFor(
      'the new institute known within a reload',
      async () => {
        if (accepted.status !== 401) return true;
        accepted = await post(`${url}/webhooks/wise/${slug}`, fixtureBytes('FeeInvoiceChargedEvent'), { 'x-wise-key': key });
        return false;
      },
      5000,
    );
    expect([accepted.status, accepted.json.status]).toEqual([200, 'accepted']);
  });

  it('a migration of this code not applied: not ready, naming the migration and the command', async () => {
    const owner = new Postgres(env.DATABASE_URL!, 1);
    try {
      await owner.query('DELETE FROM schema_migrations WHERE version = 6');
      const { opsUrl } = await start();
      expect((await problems(opsUrl)).problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^institutes not loaded: PostgreSQL database ${database} lacks migration 0006_app_roles, which ingestion needs: run \`npm run cli -- migrate\``,
          ),
        ),
      ]);
      // The migration's statements are safe to run again: migrate brings the schema back.
      expect((await runCli(env, ['migrate', '--postgres-only'])).stdout).toMatch(/^PostgreSQL migrations: applied 0006_app_roles\.sql$/m);
      await waitFor('ingestion ready once migrate ran', async () => (await problems(opsUrl)).status === 200, 20000);
    } finally {
      await owner.close();
    }
  });
});
