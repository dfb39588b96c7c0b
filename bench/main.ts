import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { benchCharts, CHARTS_DIR } from './charts';
import { join } from 'node:path';
import { takeEvents } from '../tools/simulate/generate';
import type { WorldOptions } from '../tools/simulate/world';
import { BenchProcess, ENTRY } from './app-process';
import { BenchRun } from './bench-env';
import { BENCH_USAGE, BenchUsageError, parseBenchOptions, type BenchOptions } from './bench-options';
import {
  attribute,
  formatLines,
  formatSummary,
  INGESTION_BUCKETS,
  PROJECTOR_BUCKETS,
  summarize,
  type CpuProfile,
} from './cpuprofile-summary';
import { CpuMeter } from './cpu';
import { benchFreshness } from './freshness.bench';
import { benchIngestion } from './ingestion.bench';
import { machine } from './machine';
import { benchProjector } from './projector.bench';
import { benchQueries } from './queries.bench';
import { benchPurge } from './purge.bench';
import { benchRoundCost } from './round-cost.bench';
import { formatTable, markdownTable, tableRows, type Figures } from './report';

const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench-results');
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The simulated world the bench draws its bodies from (slugs differ per phase and run). */
const world = (prefix: string, institutes: number, startMs = Date.UTC(2024, 5, 3)): WorldOptions => ({
  seed: 'bench',
  institutes,
  weeks: 4,
  classrooms: 4,
  students: 25,
  startMs,
  prefix,
});

/**
 * Next Monday, 00:00 UTC. Freshness sends its world from then on: enrolment events carry no time
 * and count from their receipt (now), so only sessions after it have enrolled students, and only
 * then does a held session make rows in `attendance` to watch.
 */
function nextMonday(now = Date.now()): number {
  const today = new Date(now);
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return midnight + ((8 - today.getUTCDay()) % 7 || 7) * 24 * 60 * 60 * 1000;
}

async function runPhases(
  run: BenchRun,
  o: BenchOptions,
  figures: Figures,
  failures: string[],
  profileOf: (app: string) => string | null,
): Promise<void> {
  const phase = async (name: string, fn: () => Promise<void>) => {
    if (run.aborted) return;
    const t0 = Date.now();
    try {
      await fn();
      say(`[bench] ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
      say(`[bench] ${name} FAILED: ${(e as Error).stack ?? (e as Error).message}`);
    }
  };
  const small = takeEvents(world('x', 8), 20_000);
  if (o.only.includes('ingestion')) {
    await phase('ingestion', async () => {
      figures.ingestion = await benchIngestion(
        run,
        world(run.slugPrefix('ingest'), 8),
        small,
        {
          levels: o.levels,
          durationMs: o.durationMs,
          warmupMs: o.warmupMs,
          repeats: o.repeats,
          workers: o.workers,
          env: o.appEnv,
          profileFile: profileOf('ingestion'),
        },
        say,
      );
    });
  }
  if (o.only.includes('projector')) {
    await phase('projector', async () => {
      say(`[bench] projector: generating ${o.events} simulator events`);
      const w = world(run.slugPrefix('project'), Math.ceil(o.events / 2000) + 1);
      figures.projector = await benchProjector(
        run,
        takeEvents(w, o.events),
        { timeoutMs: 180_000, baselineRepeats: 3, insertChunk: 50_000, env: o.appEnv, profileFile: profileOf('projector') },
        say,
      );
    });
  }
  if (o.only.includes('freshness')) {
    await phase('freshness', async () => {
      const fresh = world(run.slugPrefix('fresh'), 8, nextMonday());
      // Institutes of their own, so that the measured ones start as they would on a warm pipeline.
      const warm = { ...world(run.slugPrefix('warm'), 8, nextMonday()), seed: 'bench-warm' };
      const wanted = (seconds: number) => Math.ceil(o.rate * seconds);
      figures.freshness = await benchFreshness(
        run,
        fresh,
        takeEvents({ ...fresh, prefix: 'x' }, wanted(o.freshSeconds)),
        {
          rate: o.rate,
          seconds: o.freshSeconds,
          warmupSeconds: o.freshWarmupSeconds,
          pollMs: 100,
          drainMs: 30_000,
          env: o.appEnv,
          profileFiles: { ingestion: profileOf('freshness-ingestion'), projector: profileOf('freshness-projector') },
        },
        say,
        o.freshWarmupSeconds > 0 ? { world: warm, events: takeEvents({ ...warm, prefix: 'x' }, wanted(o.freshWarmupSeconds)) } : null,
      );
    });
  }
  if (o.only.includes('queries')) {
    await phase('queries', async () => {
      figures.queries = await benchQueries(run, { sizes: o.querySizes, repeats: o.queryRepeats, weeks: 26 }, say);
    });
  }
  if (o.only.includes('rounds')) {
    await phase('rounds', async () => {
      figures.rounds = await benchRoundCost(run, { weeks: 26, lastEvents: 500 }, say);
    });
  }
  if (o.only.includes('purge')) {
    await phase('purge', async () => {
      figures.purge = await benchPurge(run, { weeks: 104 }, say);
    });
  }
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(e.message ? `bench: ${e.message}\n\n${BENCH_USAGE}` : BENCH_USAGE);
    return e.message ? 2 : 0;
  }
  for (const f of Object.values(ENTRY)) if (!existsSync(f)) throw new Error(`${f} is missing: run \`bash scripts/build.sh\` first`);
  const m = machine();
  const run = new BenchRun();
  say(`[bench] run ${run.id} on ${m.nproc} CPUs (${m.cpuModel}), ${m.ramGb} GB RAM, Node ${m.node}; phases: ${o.only.join(', ')}`);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    run.aborted = true;
    say(`[bench] ${signal}: stopping the apps and removing what this run created (Ctrl-C again to leave it)`);
    void BenchProcess.stopAll()
      .then(() => run.cleanup(say))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const profiles = join(RESULTS, 'profiles');
  if (o.cpuProf) mkdirSync(profiles, { recursive: true });
  const profileOf = (app: string) => (o.cpuProf ? join(profiles, `${run.id}-${app}.cpuprofile`) : null);
  // The machine may be shared: what else keeps it busy is part of the conditions of the figures.
  const idle = new CpuMeter({}).start();
  await new Promise((r) => setTimeout(r, 2000));
  const backgroundCores = idle.stop().machine ?? NaN;
  say(
    `[bench] background load before the run: ${backgroundCores.toFixed(2)} of ${m.nproc} cores busy (processes not started by the bench)`,
  );
  const figures: Figures = {};
  const failures: string[] = [];
  const t0 = Date.now();
  try {
    await run.migrate();
    await runPhases(run, o, figures, failures, profileOf);
  } finally {
    await run.cleanup(say);
  }
  const rows = tableRows(figures);
  say(`\n${formatTable(rows)}\n`);
  for (const f of figures.ingestion ?? []) {
    const k = f.kafka;
    if (!k) continue;
    say(
      `ingestion (${f.workers} worker(s)) Kafka sends: ${k.batches} batches, ${k.meanBatchSize.toFixed(1)} messages each on average, ${k.meanSendMs.toFixed(1)} ms each`,
    );
  }
  if (figures.projector?.batches) {
    const b = figures.projector.batches;
    say(`projector batches: ${b.count}, ${b.meanMessages.toFixed(0)} messages and ${(b.meanSeconds * 1000).toFixed(0)} ms each on average`);
  }
  // The apps profiled in their own phases, and again under the freshness phase's paced load.
  for (const app of ['ingestion', 'projector', 'freshness-ingestion', 'freshness-projector']) {
    const file = profileOf(app);
    if (!file || !existsSync(file)) continue;
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const steps = formatLines('busy time by step', attribute(profile, app.endsWith('ingestion') ? INGESTION_BUCKETS : PROJECTOR_BUCKETS));
    say(`\nCPU profile of ${app} (${file}):\n${steps}\n\n${formatSummary(summarize(profile, 15))}`);
  }
  mkdirSync(RESULTS, { recursive: true });
  const result = {
    run: run.id,
    at: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    machine: { ...m, backgroundCores },
    options: o,
    figures,
    table: rows,
    markdown: markdownTable(rows),
    failures,
  };
  // latest.json for people and tools; a copy per run so that runs can be compared later.
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(RESULTS, 'latest.json'), json);
  writeFileSync(join(RESULTS, `${run.id}.json`), json);
  // The distributions as pictures, into the docs that quote the figures (docs/benchmarks.md, "Charts").
  const charts = benchCharts(run.id, figures);
  if (charts.length > 0) mkdirSync(join(ROOT, CHARTS_DIR), { recursive: true });
  for (const chart of charts) writeFileSync(join(ROOT, CHARTS_DIR, chart.name), chart.svg);
  if (charts.length > 0) say(`[bench] wrote ${charts.map((c) => `${CHARTS_DIR}/${c.name}`).join(', ')}`);
  say(
    `[bench] ${failures.length ? `${failures.length} phase(s) failed; ` : ''}wrote bench-results/latest.json and ${run.id}.json (${result.seconds} s in all)`,
  );
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
