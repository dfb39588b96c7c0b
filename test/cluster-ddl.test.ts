import {
  bindMigrations,
  ClickHouse,
  clickhouseErrorCode,
  granularityChangeOf,
  loadMigrations,
  renderMigrationsForCluster,
} from '@wise/clickhouse';

// No ClickHouse cluster here, but the real server still parses every statement before it looks for
// the cluster: a statement that gets "cluster not found" (170) was well-formed SQL to the server,
// and one with a syntax error gets 62. Nothing is created: the server stops at the cluster.
const CLUSTER_NOT_FOUND = 170;
// Data statements (a migration's backfill) run once, as written, through the Distributed tables;
// here, in `default`, the server parses them and then finds no such table.
const UNKNOWN_TABLE = 60;
const isData = (s: string) => /^INSERT\s/i.test(s);
// A change of index_granularity is carried out by the runner (granularity.ts), never sent: 18.16
// cannot parse it.
const byRunner = (s: string) => granularityChangeOf(s) !== null;

describe('cluster DDL on the real ClickHouse', () => {
  const ch = new ClickHouse({ url: 'http://127.0.0.1:8123', user: 'default', password: '', database: 'default', app: 'test' });
  // A cluster name no server here defines.
  const rendered = renderMigrationsForCluster(bindMigrations(loadMigrations(), 'wise'), {
    cluster: 'wise_test_no_such_cluster',
    database: 'wise',
  });
  const all = rendered.flatMap((m) => m.statements.map((s) => [`${m.name}: ${s.split('\n')[0].slice(0, 70)}`, s] as const));
  const statements = all.filter(([, s]) => !isData(s) && !byRunner(s));
  const data = all.filter(([, s]) => isData(s));

  afterAll(() => ch.close());

  it('has every schema statement rendered ON CLUSTER', () => {
    expect(statements.length).toBeGreaterThanOrEqual(30);
    for (const [, s] of statements) expect(s).toMatch(/ ON CLUSTER wise_test_no_such_cluster(_each)?\b/);
  });

  it("renders a granularity change for the local tables, where the runner reads it as the cluster's", () => {
    const changes = all.filter(([, s]) => byRunner(s)).map(([, s]) => granularityChangeOf(s));
    expect(changes.length).toBeGreaterThanOrEqual(20);
    for (const c of changes) expect(c).toEqual({ database: 'wise', table: expect.stringMatching(/_local$/), onCluster: true, rows: 256 });
  });

  it.each(statements)('parses: %s', async (_, sql) => {
    const refusal = await ch.command('test-cluster-ddl', sql).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect([clickhouseErrorCode(refusal), refusal?.message.slice(0, 200)]).toEqual([
      CLUSTER_NOT_FOUND,
      expect.stringContaining('wise_test_no_such_cluster'),
    ]);
  });

  it.each(data)('parses, and is left as written: %s', async (_, sql) => {
    expect(sql).not.toMatch(/ON CLUSTER/);
    const refusal = await ch.command('test-cluster-ddl', sql).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(clickhouseErrorCode(refusal)).toBe(UNKNOWN_TABLE);
  });
});
