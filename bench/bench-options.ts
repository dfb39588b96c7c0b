export type Phase = 'ingestion' | 'projector' | 'freshness' | 'queries';
export const PHASES: Phase[] = ['ingestion', 'projector', 'freshness', 'queries'];

export interface BenchOptions {
  only: Phase[];
  levels: number[];
  durationMs: number;
  warmupMs: number;
  repeats: number;
  events: number;
  rate: number;
  freshSeconds: number;
  cpuProf: boolean;
  /** Queries: events in the store at each size, and timed runs of each query. */
  querySizes: number[];
  queryRepeats: number;
  /** Ingestion processes the load is spread over (an experiment: the targets are about one). */
  replicas: number;
  /** Extra env for the apps, for experiments (e.g. INGEST_LINGER_MS=5). */
  appEnv: Record<string, string>;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]

  --only <list>        phases to run, comma-separated: ingestion,projector,freshness,queries (default all)
  --levels <list>      ingestion concurrencies (default 8,32,128)
  --duration <s>       seconds per ingestion measurement (default 5)
  --warmup <s>         seconds of warm-up per concurrency and server (default 2)
  --repeats <n>        measurements per concurrency and server; medians are reported (default 3)
  --events <n>         envelopes pre-filled for the projector (default 200000)
  --rate <n>           freshness: webhooks per second (default 1000)
  --fresh-seconds <s>  freshness: seconds of sending (default 15)
  --query-sizes <list> queries: events in the store at each size (default 1000000,4000000)
  --query-repeats <n>  queries: timed runs of each query at each size (default 9)
  --cpu-prof           profile ingestion and projector under load; writes bench-results/profiles/
                       and prints where the CPU time goes
  --replicas <n>       experiment: spread the ingestion load over n ingestion processes (default 1)
  --app-env K=V        experiment: extra environment for ingestion and projector (repeatable),
                       e.g. --app-env INGEST_LINGER_MS=5
  --quick              a short smoke run: --levels 8,32 --duration 2 --warmup 1 --repeats 1
                       --events 30000 --fresh-seconds 5 --query-sizes 50000,200000
                       --query-repeats 5
`;

export class BenchUsageError extends Error {}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { only: PHASES, levels: [8, 32, 128], durationMs: 5000, warmupMs: 2000, repeats: 3, events: 200_000, rate: 1000, freshSeconds: 15, cpuProf: false, querySizes: [1_000_000, 4_000_000], queryRepeats: 9, replicas: 1, appEnv: {} };
  const problems: string[] = [];
  const num = (name: string, v: string | undefined, min: number, max: number): number => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < min || x > max) { problems.push(`--${name}: expected a number from ${min} to ${max}, got "${v ?? ''}"`); return min; }
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith('--') ? argv[i].slice(2).split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case 'help': throw new BenchUsageError('');
      case 'quick': Object.assign(o, { levels: [8, 32], durationMs: 2000, warmupMs: 1000, repeats: 1, events: 30_000, freshSeconds: 5, querySizes: [50_000, 200_000], queryRepeats: 5 }); break;
      case 'cpu-prof': o.cpuProf = true; break;
      case 'replicas': o.replicas = Math.round(num(name, value(), 1, 16)); break;
      case 'app-env': {
        const v = value() ?? '';
        const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(v);
        if (!m) problems.push(`--app-env: expected NAME=value, got "${v}"`);
        else o.appEnv = { ...o.appEnv, [m[1]]: m[2] };
        break;
      }
      case 'only': {
        const list = (value() ?? '').split(',').filter(Boolean);
        const bad = list.filter((p) => !PHASES.includes(p as Phase));
        if (bad.length || list.length === 0) problems.push(`--only: expected phases among ${PHASES.join(', ')}, got "${list.join(',')}"`);
        else o.only = list as Phase[];
        break;
      }
      case 'levels': {
        const v = value() ?? '';
        const list = v.split(',').map(Number);
        if (!/^\d+(,\d+)*$/.test(v) || list.some((x) => x < 1 || x > 4096)) problems.push(`--levels: expected concurrencies such as 8,32,128, got "${v}"`);
        else o.levels = list;
        break;
      }
      case 'duration': o.durationMs = num(name, value(), 1, 600) * 1000; break;
      case 'warmup': o.warmupMs = num(name, value(), 0, 600) * 1000; break;
      case 'repeats': o.repeats = Math.round(num(name, value(), 1, 20)); break;
      case 'events': o.events = Math.round(num(name, value(), 1000, 5_000_000)); break;
      case 'rate': o.rate = num(name, value(), 1, 100_000); break;
      case 'fresh-seconds': o.freshSeconds = num(name, value(), 1, 600); break;
      case 'query-sizes': {
        const v = value() ?? '';
        const list = v.split(',').map(Number);
        if (!/^\d+(,\d+)*$/.test(v) || list.some((x, i) => x < 1000 || (i > 0 && x <= list[i - 1]))) problems.push(`--query-sizes: expected growing event counts such as 1000000,4000000, got "${v}"`);
        else o.querySizes = list;
        break;
      }
      case 'query-repeats': o.queryRepeats = Math.round(num(name, value(), 3, 100)); break;
      default: problems.push(`unknown option ${argv[i]}`);
    }
  }
  if (problems.length) throw new BenchUsageError(problems.join('\n'));
  return o;
}
