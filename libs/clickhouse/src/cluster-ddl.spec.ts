import { ClusterDdlError, ClusterRenderer, LOCAL_SUFFIX, renderMigrationsForCluster } from './cluster-ddl';
import { bindMigrations, loadMigrations } from './migration-files';

const target = { cluster: 'wise_cluster', database: 'wise' };
const ON = 'ON CLUSTER wise_cluster';
const ON_EACH = 'ON CLUSTER wise_cluster_each';
const migrations = bindMigrations(loadMigrations(), 'wise');
const rendered = renderMigrationsForCluster(migrations, target);
const all = rendered.flatMap((m) => m.statements);
// Each source statement beside what it rendered to, in order (a later migration may drop and
// recreate a name, so nothing is looked up by name).
const renderer = new ClusterRenderer(target);
const pairs = migrations.flatMap((m) =>
  m.statements.map((source) => ({ migration: m.name, source, out: renderer.render(source, m.name) })),
);

/** Parentheses balance outside string literals: the statement still has a shape a parser accepts. */
function balanced(sql: string): boolean {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === "'") quote = false;
    } else if (c === "'") quote = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0 && !quote;
}

const createdName = (sql: string) =>
  /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?(?:TABLE|VIEW|DATABASE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:wise\.)?(\w+)/i.exec(sql)?.[1];
const label = (p: { migration: string; source: string }) => `${p.migration} ${createdName(p.source)}`;
const mergeTreeTables = pairs.filter((p) => /^CREATE\s+TABLE/i.test(p.source) && /ENGINE\s*=\s*\w*MergeTree/i.test(p.source));
const views = pairs.filter((p) => /^CREATE\s+(OR\s+REPLACE\s+)?VIEW/i.test(p.source));

describe('cluster DDL (CLICKHOUSE_CLUSTER) over every migration file', () => {
  it('renders every migration, and the files hold tables and views to render', () => {
    expect(rendered.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    expect(mergeTreeTables.length).toBeGreaterThanOrEqual(10);
    expect(pairs.length).toBe(migrations.flatMap((m) => m.statements).length);
    expect(views.length).toBeGreaterThanOrEqual(10);
    // Each statement rendered to at least one, and none left as written (INSERTs excepted: they
    // run once, through the Distributed tables).
    expect(pairs.flatMap((p) => p.out)).toEqual(all);
    for (const p of pairs) {
      expect(p.out.length).toBeGreaterThanOrEqual(1);
      if (!/^INSERT\s/i.test(p.source)) expect(p.out).not.toContain(p.source.trim());
    }
  });

  it.each(all.filter((s) => /^(CREATE|ALTER|DROP|OPTIMIZE|TRUNCATE|RENAME)\s/i.test(s)).map((s) => [s.split('\n')[0].slice(0, 80), s]))(
    'puts ON CLUSTER right after the object: %s',
    (_, sql) => {
      expect(sql).toMatch(
        /^(CREATE\s+(OR\s+REPLACE\s+)?(MATERIALIZED\s+)?(TABLE|VIEW|DATABASE)\s+(IF\s+NOT\s+EXISTS\s+)?|ALTER\s+TABLE\s+|DROP\s+\w+\s+(IF\s+EXISTS\s+)?|(OPTIMIZE|TRUNCATE)\s+TABLE\s+|RENAME\s+TABLE\s+wise\.\w+\s+TO\s+)(\w+\.)?\w+ ON CLUSTER wise_cluster(_each)?\b/i,
      );
      // 18.16 runs ON CLUSTER DDL in each server's `default` database: the object is always qualified.
      if (!/^CREATE\s+DATABASE/i.test(sql))
        expect(sql).toMatch(
          /^(CREATE|ALTER|DROP|OPTIMIZE|TRUNCATE|RENAME)\s+[A-Z ]*?\b(wise|wise_raw)\.\w+ (TO wise_raw\.\w+ )?ON CLUSTER/i,
        );
      expect(balanced(sql)).toBe(true);
    },
  );

  it('makes every MergeTree engine Replicated, with the shard and replica macros in its path', () => {
    const engines = all.flatMap((s) => [...s.matchAll(/ENGINE\s*=\s*(\w*MergeTree)\s*(\([^)]*\))?/gi)].map((e) => [e[1], e[2] ?? '']));
    expect(engines.length).toBe(mergeTreeTables.length);
    for (const [engine, args] of engines) {
      expect(engine).toMatch(/^Replicated\w*MergeTree$/);
      // The database written out: 18.16 keeps `{database}` in the metadata and unfolds it at each
      // start, so a table moved to another database (0013) would lose its replicas' path.
      expect(args).toMatch(/^\('\/clickhouse\/tables\/\{shard\}\/wise\/\w+_local', '\{replica\}'/);
    }
  });

  it.each(mergeTreeTables.map((p) => [label(p), p] as const))(
    'turns table %s into a replicated local table and a Distributed table over it, sharded by its first sort column',
    (_, p) => {
      const name = createdName(p.source)!;
      const [local, dist] = p.out;
      expect(p.out).toHaveLength(2);
      expect(createdName(local)).toBe(name + LOCAL_SUFFIX);
      expect(local).toMatch(/ENGINE = Replicated\w*MergeTree\(/);
      // The same columns, sort key and settings as on one server.
      expect(local.slice(local.indexOf('('), local.indexOf('ENGINE'))).toBe(
        p.source.slice(p.source.indexOf('('), p.source.indexOf('ENGINE')),
      );
      expect(local.slice(local.search(/ORDER BY/))).toBe(p.source.slice(p.source.search(/ORDER BY/)));
      const sortColumn = /ORDER BY\s*\(?\s*(\w+)/.exec(p.source)![1];
      expect(dist).toBe(
        `CREATE TABLE IF NOT EXISTS wise.${name} ${ON} AS wise.${name}_local ENGINE = Distributed(wise_cluster, wise, ${name}_local, cityHash64(${sortColumn}))`,
      );
      // Copies of one event (same institute) must land on one shard to collapse; the rebuild
      // fence's rows collapse per fence.
      expect(sortColumn).toBe(name === 'rebuild_fence' ? 'fence_id' : 'institute_id');
    },
  );

  // Every table and view the migrations create: what a view may read.
  const created = new Set(pairs.map((p) => createdName(p.source)).filter((n): n is string => n !== undefined));

  it.each(views.map((p) => [label(p), p] as const))(
    'keeps view %s as written, on the cluster, reading the Distributed tables by their qualified names',
    (_, p) => {
      const head = /^CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+(IF\s+NOT\s+EXISTS\s+)?\w+/i.exec(p.source)![0];
      expect(p.out).toHaveLength(1);
      // The same text once the database is taken out again.
      expect(p.out[0].replace(/\bwise\.(?=\w)/g, '')).toBe(`${head} ${ON} ${p.source.slice(head.length).trimStart()}`);
      expect(p.out[0]).not.toContain(LOCAL_SUFFIX);
      const reads = [...p.out[0].matchAll(/\b(?:FROM|JOIN)\s+([\w.]+)(?!\s*\()/gi)].map((r) => r[1]);
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) if (created.has(read)) throw new Error(`${label(p)} reads ${read} unqualified`);
      expect(balanced(p.out[0])).toBe(true);
    },
  );
});

describe('cluster DDL: statements the migrations may hold later', () => {
  const fresh = () => {
    const r = new ClusterRenderer(target);
    r.render(
      'CREATE TABLE IF NOT EXISTS t (institute_id String, x UInt8, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY (institute_id, x)',
      'm',
    );
    return r;
  };

  it('renders engines with no arguments, and keeps an engine that is already replicated', () => {
    const r = new ClusterRenderer(target);
    expect(r.render('CREATE TABLE a (k String) ENGINE = MergeTree ORDER BY k SETTINGS index_granularity = 8192', 'm')[0]).toBe(
      "CREATE TABLE wise.a_local ON CLUSTER wise_cluster (k String) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/wise/a_local', '{replica}') ORDER BY k SETTINGS index_granularity = 8192",
    );
    expect(
      r.render("CREATE TABLE b (k String, s Int8) ENGINE = ReplicatedCollapsingMergeTree('/p', '{replica}', s) ORDER BY k", 'm'),
    ).toEqual([
      "CREATE TABLE wise.b ON CLUSTER wise_cluster (k String, s Int8) ENGINE = ReplicatedCollapsingMergeTree('/p', '{replica}', s) ORDER BY k",
    ]);
    expect(r.render('CREATE TABLE c (k String) ENGINE = MergeTree ORDER BY tuple()', 'm')[1]).toMatch(
      /Distributed\(wise_cluster, wise, c_local, rand\(\)\)$/,
    );
  });

  it('sends column changes to the local table and, through the cluster of single servers, the Distributed one; mutations to the local one', () => {
    const r = fresh();
    expect(r.render('ALTER TABLE t ADD COLUMN IF NOT EXISTS y String, MODIFY COLUMN x UInt16', 'm')).toEqual([
      `ALTER TABLE wise.t_local ${ON} ADD COLUMN IF NOT EXISTS y String, MODIFY COLUMN x UInt16`,
      `ALTER TABLE wise.t ${ON_EACH} ADD COLUMN IF NOT EXISTS y String, MODIFY COLUMN x UInt16`,
    ]);
    expect(r.render("ALTER TABLE t DELETE WHERE institute_id = 'a, b'", 'm')).toEqual([
      `ALTER TABLE wise.t_local ${ON} DELETE WHERE institute_id = 'a, b'`,
    ]);
    expect(() => r.render('ALTER TABLE t ADD COLUMN z String, DELETE WHERE 1', 'm')).toThrow(/split it into two ALTERs/);
    expect(r.render('ALTER TABLE t ADD COLUMN v UInt64, MODIFY ORDER BY (k, v)', 'm')).toEqual([
      `ALTER TABLE wise.t_local ${ON} ADD COLUMN v UInt64, MODIFY ORDER BY (k, v)`,
      `ALTER TABLE wise.t ${ON_EACH} ADD COLUMN v UInt64`,
    ]);
  });

  it('drops, optimizes (a partition) and copies both halves of a sharded table', () => {
    const r = fresh();
    expect(r.render("OPTIMIZE TABLE t PARTITION 'p' FINAL", 'm')).toEqual([`OPTIMIZE TABLE wise.t_local ${ON} PARTITION 'p' FINAL`]);
    expect(() => r.render('OPTIMIZE TABLE t FINAL', 'm')).toThrow(/must name a PARTITION/);
    expect(r.render('CREATE TABLE IF NOT EXISTS t2 AS t', 'm')).toEqual([
      `CREATE TABLE IF NOT EXISTS wise.t2_local ${ON} AS wise.t_local`,
      `CREATE TABLE IF NOT EXISTS wise.t2 ${ON} AS wise.t2_local ENGINE = Distributed(wise_cluster, wise, t2_local, cityHash64(institute_id))`,
    ]);
    expect(r.render('DROP TABLE IF EXISTS t', 'm')).toEqual([
      `DROP TABLE IF EXISTS wise.t ${ON}`,
      `DROP TABLE IF EXISTS wise.t_local ${ON}`,
    ]);
    expect(r.render('DROP VIEW IF EXISTS v', 'm')).toEqual([`DROP VIEW IF EXISTS wise.v ${ON}`]);
  });

  it('moves a sharded table to another database: its local table, and a new Distributed table there', () => {
    const r = fresh();
    expect(r.render('RENAME TABLE t TO wise_raw.t', 'm')).toEqual([
      `RENAME TABLE wise.t_local TO wise_raw.t_local ${ON}`,
      `DROP TABLE IF EXISTS wise.t ${ON}`,
      `CREATE TABLE IF NOT EXISTS wise_raw.t ${ON} AS wise_raw.t_local ENGINE = Distributed(wise_cluster, wise_raw, t_local, cityHash64(institute_id))`,
    ]);
    // The name is free again in the first database: a later DROP of it is of nothing sharded.
    expect(r.render('DROP TABLE IF EXISTS t', 'm')).toEqual([`DROP TABLE IF EXISTS wise.t ${ON}`]);
    expect(fresh().render('RENAME TABLE plain TO wise_raw.plain', 'm')).toEqual([`RENAME TABLE wise.plain TO wise_raw.plain ${ON}`]);
  });

  it('renders the move of the raw tables (0013) for both of them', () => {
    const moved = pairs.filter((p) => /^RENAME\s/i.test(p.source));
    expect(moved.map((p) => p.out[0])).toEqual([
      `RENAME TABLE wise.events_local TO wise_raw.events_local ${ON}`,
      `RENAME TABLE wise.quarantine_local TO wise_raw.quarantine_local ${ON}`,
    ]);
    for (const p of moved)
      expect(p.out[2]).toMatch(/ENGINE = Distributed\(wise_cluster, wise_raw, \w+_local, cityHash64\(institute_id\)\)$/);
  });

  it('takes materialized views that write TO a table, and inserts as written', () => {
    const r = fresh();
    expect(r.render('CREATE MATERIALIZED VIEW IF NOT EXISTS mv TO t AS SELECT * FROM t', 'm')).toEqual([
      `CREATE MATERIALIZED VIEW IF NOT EXISTS wise.mv ${ON} TO wise.t AS SELECT * FROM wise.t`,
    ]);
    expect(r.render("INSERT INTO t VALUES ('a', 1, 1)", 'm')).toEqual(["INSERT INTO t VALUES ('a', 1, 1)"]);
  });

  it.each([
    ['CREATE MATERIALIZED VIEW mv ENGINE = MergeTree ORDER BY k AS SELECT k FROM t', /needs `TO <table>`/],
    ['CREATE TABLE m (k String) ENGINE = Memory', /engine Memory is not of the MergeTree family/],
    ['CREATE TABLE x ON CLUSTER other (k String) ENGINE = MergeTree ORDER BY k', /already names a cluster/],
    ['RENAME TABLE t TO u', /unknown statement kind/],
    ['RENAME TABLE t TO db.u, x TO db.y', /unknown statement kind/],
    ['SYSTEM RELOAD DICTIONARIES', /unknown statement kind/],
  ])('refuses what it cannot render, naming the migration: %s', (sql, why) => {
    expect(() => fresh().render(sql, 'migration 0099_later')).toThrow(ClusterDdlError);
    expect(() => fresh().render(sql, 'migration 0099_later')).toThrow(why);
    expect(() => fresh().render(sql, 'migration 0099_later')).toThrow(/^migration 0099_later: cannot render for a cluster/);
  });

  it('refuses a cluster or database name that is not a plain identifier', () => {
    expect(() => new ClusterRenderer({ cluster: 'c; DROP', database: 'wise' })).toThrow(/refusing identifier/);
    expect(() => new ClusterRenderer({ cluster: 'c', database: 'w`' })).toThrow(/refusing identifier/);
  });
});
