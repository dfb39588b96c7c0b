import { strictArgs, UsageError } from '../tools/strict-args';

export type Phase = 'ingestion' | 'projector' | 'freshness' | 'queries' | 'rounds' | 'purge';
export const PHASES: Phase[] = ['ingestion', 'projector', 'freshness', 'queries', 'rounds', 'purge'];

export interface BenchOptions {
  only: Phase[];
  levels: number[];
  durationMs: number;
  warmupMs: number;
  repeats: number;
  events: number;
  rate: number;
  freshSeconds: number;
  freshWarmupSeconds: number;
  cpuProf: boolean;
  /** Queries: events in the store at each size, and timed runs of each query. */
  querySizes: number[];
  queryRepeats: number;
  /** INGEST_WORKERS of each ingestion measured beside the baseline. */
  workers: number[];
  /** Extra env for the apps, for experiments (e.g. INGEST_LINGER_MS=5). */
  appEnv: Record<string, string>;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]

  --only <list>        phases to run, comma-separated: ingestion,projector,freshness,queries,rounds,purge (default all)
  --levels <list>      ingestion concurrencies (default 8,32,128)
  --duration <s>       seconds per ingestion measurement (default 5)
  --warmup <s>         seconds of warm-up per concurrency and server (default 2)
  --repeats <n>        measurements per concurrency and server; medians are reported (default 3)
  --events <n>         envelopes pre-filled for the projector (default 200000)
  --rate <n>           freshness: webhooks per second (default 1000)
  --fresh-seconds <s>  freshness: seconds of sending (default 15)
  --fresh-warmup <s>   freshness: seconds of sending before them, other institutes, from the
                       apps' cold start; shown apart, not judged (default 10)
  --query-sizes <list> queries: events in the store at each size (default 1000000,4000000)
  --query-repeats <n>  queries: timed runs of each query at each size (default 9)
  --cpu-prof           profile ingestion and projector under load (their phases, and freshness's
                       measured window); writes bench-results/profiles/ and prints where the CPU
                       time goes
  --workers <list>     INGEST_WORKERS of each ingestion measured beside the baseline, comma-separated
                       (default 1,2: one process, and two workers on one port)
  --app-env K=V        experiment: extra environment for ingestion and projector (repeatable),
                       e.g. --app-env INGEST_LINGER_MS=5
  --quick              a short smoke run: --levels 8,32 --duration 2 --warmup 1 --repeats 1
                       --events 30000 --fresh-seconds 5 --fresh-warmup 2 --query-sizes 50000,200000
                       --query-repeats 5 (other options given refine it)
  --help               this text
`;

export { UsageError as BenchUsageError };

const FLAGS = {
  only: { type: 'string' },
  levels: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  repeats: { type: 'string' },
  events: { type: 'string' },
  rate: { type: 'string' },
  'fresh-seconds': { type: 'string' },
  'fresh-warmup': { type: 'string' },
  'cpu-prof': { type: 'boolean' },
  workers: { type: 'string' },
  'app-env': { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  'query-sizes': { type: 'string' },
  'query-repeats': { type: 'string' },
} as const;

/** Reads the options (node:util parseArgs, strict); `--quick` sets defaults that the other options refine. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const v = strictArgs(argv, FLAGS);
  const o: BenchOptions = {
    only: PHASES,
    levels: [8, 32, 128],
    durationMs: 5000,
    warmupMs: 2000,
    repeats: 3,
    events: 200_000,
    rate: 1000,
    freshSeconds: 15,
    freshWarmupSeconds: 10,
    cpuProf: false,
    querySizes: [1_000_000, 4_000_000],
    queryRepeats: 9,
    workers: [1, 2],
    appEnv: {},
  };
  if (v.quick)
    Object.assign(o, {
      levels: [8, 32],
      durationMs: 2000,
      warmupMs: 1000,
      repeats: 1,
      events: 30_000,
      freshSeconds: 5,
      freshWarmupSeconds: 2,
      querySizes: [50_000, 200_000],
      queryRepeats: 5,
    });
  const problems: string[] = [];
  const num = (name: keyof typeof FLAGS, min: number, max: number, set: (x: number) => void): void => {
    const raw = v[name];
    if (raw === undefined) return;
    const x = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(x) || x < min || x > max)
      problems.push(`--${name}: expected a number from ${min} to ${max}, got "${String(raw)}"`);
    else set(x);
  };
  if (v['cpu-prof']) o.cpuProf = true;
  if (v.workers !== undefined) {
    const list = v.workers.split(',').map(Number);
    if (!/^\d+(,\d+)*$/.test(v.workers) || list.some((x) => x < 1 || x > 64) || new Set(list).size !== list.length)
      problems.push(`--workers: expected distinct worker counts from 1 to 64 such as 1,2, got "${v.workers}"`);
    else o.workers = list;
  }
  for (const pair of v['app-env'] ?? []) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) problems.push(`--app-env: expected NAME=value, got "${pair}"`);
    else o.appEnv = { ...o.appEnv, [m[1]]: m[2] };
  }
  if (v.only !== undefined) {
    const list = v.only.split(',').filter(Boolean);
    const bad = list.filter((p) => !PHASES.includes(p as Phase));
    if (bad.length || list.length === 0) problems.push(`--only: expected phases among ${PHASES.join(', ')}, got "${v.only}"`);
    else o.only = list as Phase[];
  }
  if (v.levels !== undefined) {
    const list = v.levels.split(',').map(Number);
    if (!/^\d+(,\d+)*$/.test(v.levels) || list.some((x) => x < 1 || x > 4096))
      problems.push(`--levels: expected concurrencies such as 8,32,128, got "${v.levels}"`);
    else o.levels = list;
  }
  num('duration', 1, 600, (x) => {
    o.durationMs = x * 1000;
  });
  num('warmup', 0, 600, (x) => {
    o.warmupMs = x * 1000;
  });
  num('repeats', 1, 20, (x) => {
    o.repeats = Math.round(x);
  });
  num('events', 1000, 5_000_000, (x) => {
    o.events = Math.round(x);
  });
  num('rate', 1, 100_000, (x) => {
    o.rate = x;
  });
  num('fresh-seconds', 1, 600, (x) => {
    o.freshSeconds = x;
  });
  num('fresh-warmup', 0, 600, (x) => {
    o.freshWarmupSeconds = x;
  });
  if (v['query-sizes'] !== undefined) {
    const list = v['query-sizes'].split(',').map(Number);
    if (!/^\d+(,\d+)*$/.test(v['query-sizes']) || list.some((x, i) => x < 1000 || (i > 0 && x <= list[i - 1])))
      problems.push(`--query-sizes: expected growing event counts such as 1000000,4000000, got "${v['query-sizes']}"`);
    else o.querySizes = list;
  }
  num('query-repeats', 3, 100, (x) => {
    o.queryRepeats = Math.round(x);
  });
  if (problems.length) throw new UsageError(problems.join('\n'));
  return o;
}
