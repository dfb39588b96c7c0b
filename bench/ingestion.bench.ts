import { buildRequest } from '../tools/simulate/http-connection';
import type { SimEvent } from '../tools/simulate/generate';
import { registerInstitutes } from '../tools/simulate/register';
import { instituteCredentials, type WorldOptions } from '../tools/simulate/world';
import { BenchProcess, ENTRY, freePort, INGESTION_NODE_ARGS, profiling, ROOT } from './app-process';
import type { BenchRun } from './bench-env';
import { CpuMeter, processTree, servicePids } from './cpu';
import { processMemoryMb } from './machine';
import { closedLoop, type LoadResult, type LoadTarget } from './load';
import { histogram, scrape } from './prometheus';
import { median } from './stats';

export interface IngestionLevel {
  concurrency: number;
  app: LoadResult[];
  baseline: LoadResult[];
  /** Medians over the repeats. */
  appPerSecond: number;
  appP50: number;
  appP99: number;
  baselinePerSecond: number;
  baselineP50: number;
  baselineP99: number;
  /** Median cores used while measuring ingestion: ingestion (all replicas), kafka, bench (load generator), machine. */
  appCpu: Record<string, number>;
  /** Median cores used while measuring the baseline: baseline, bench, machine. */
  baselineCpu: Record<string, number>;
}

export interface IngestionFigures {
  /** INGEST_WORKERS: ingestion processes behind the one port (a primary besides them when > 1). */
  workers: number;
  levels: IngestionLevel[];
  /** The largest peak resident memory among its processes (primary and workers), MB. */
  appPeakRssMb: number | null;
  baselinePeakRssMb: number | null;
  /** From ingestion's /metrics after the run: Kafka sends, mean messages per send, mean send time. */
  kafka: { batches: number; meanBatchSize: number; meanSendMs: number } | null;
}

export interface IngestionPlan {
  levels: number[];
  durationMs: number;
  warmupMs: number;
  repeats: number;
  /** INGEST_WORKERS of each ingestion measured beside the baseline, e.g. [1, 2]. */
  workers: number[];
  /** Extra env for ingestion (experiments such as INGEST_LINGER_MS=5). */
  env: Record<string, string>;
  /** Where to write a CPU profile of ingestion under the measured load (one worker only); null for none. */
  profileFile: string | null;
}

/**
 * Ingestion against its baseline: the same simulator bodies, POSTed closed-loop at each
 * concurrency for a fixed time after a warm-up, alternating app and baseline in each repeat so
 * that neither gets the machine's better moments. Real Kafka (acks=all) behind ingestion.
 */
export async function benchIngestion(
  run: BenchRun,
  world: WorldOptions,
  events: SimEvent[],
  plan: IngestionPlan,
  say: (l: string) => void,
): Promise<IngestionFigures[]> {
  run.ownPhase('ingest');
  const creds = instituteCredentials(world);
  await registerInstitutes(run.databaseUrl, creds);
  const apps: BenchProcess[] = [];
  const stopAll = () => Promise.all(apps.map((a) => a.stop()));
  try {
    // The profiler preload would be inherited by every worker, all writing one file: one worker only.
    const profiled = plan.profileFile && plan.workers.includes(1) ? plan.profileFile : null;
    const variants: Array<{ workers: number; app: BenchProcess; port: number; opsPort: number }> = [];
    for (const workers of plan.workers) {
      const port = await freePort();
      // /metrics is on the operations port (OPS_PORT), not the webhook port; with workers, the
      // primary serves it for all of them and /ready only when every worker is ready.
      const opsPort = await freePort();
      const prof = profiling(workers === 1 ? profiled : null);
      const env = run.appEnv(
        'ingest',
        { PORT: String(port), OPS_PORT: String(opsPort), INGEST_WORKERS: String(workers), ...plan.env, ...prof.env },
        'ingestion',
      );
      const app = await BenchProcess.start(
        `ingestion (${workers} worker${workers > 1 ? 's' : ''})`,
        [ENTRY.ingestion],
        env,
        `http://127.0.0.1:${opsPort}/ready`,
        [...INGESTION_NODE_ARGS, ...prof.nodeArgs],
      );
      apps.push(app);
      variants.push({ workers, app, port, opsPort });
    }
    const basePort = await freePort();
    apps.push(
      await BenchProcess.start(
        'baseline',
        [ENTRY.baseline, String(basePort)],
        run.appEnv('ingest'),
        `http://127.0.0.1:${basePort}/health`,
        [],
        30_000,
      ),
    );
    const baseline = apps[apps.length - 1];
    say(
      `[bench] ingestion: ${variants.map((v) => `${v.workers} worker(s) on port ${v.port}`).join(', ')}; bare Fastify baseline on ${basePort}`,
    );

    const target = (port: number): LoadTarget => {
      const url = new URL(`http://127.0.0.1:${port}`);
      return {
        url,
        requests: events.map((e) => {
          const c = creds[e.institute];
          return buildRequest(
            url,
            'POST',
            `/webhooks/wise/${c.slug}`,
            { 'content-type': 'application/json', [c.keyHeader]: c.key },
            e.body,
          );
        }),
      };
    };
    const baseTargets = [target(basePort)];
    const services = servicePids(ROOT);
    const measured = async (targets: LoadTarget[], c: number, pids: Record<string, number>) => {
      const meters = new CpuMeter(pids).start();
      const r = await closedLoop(targets, c, plan.durationMs);
      const cpu = meters.stop();
      // A primary and its workers count as one server: their cores add up.
      cpu.ingestion = Object.entries(cpu)
        .filter(([k]) => k.startsWith('ingestion#'))
        .reduce((a, [, v]) => a + v, 0);
      r.cpu = cpu;
      return r;
    };
    const perVariant = variants.map((v) => ({
      ...v,
      targets: [target(v.port)],
      // Workers are children of the primary; the tree is read once they all are ready.
      pids: {
        ...Object.fromEntries(processTree(v.app.pid).map((pid, i) => [`ingestion#${i}`, pid])),
        ...(services.kafka ? { kafka: services.kafka } : {}),
      },
      levels: [] as IngestionLevel[],
    }));
    const profiledApp = perVariant.find((v) => v.workers === 1)?.app;
    await profiledApp?.profile('start', profiled);
    for (const c of plan.levels) {
      say(`[bench] ingestion c=${c}: warm-up ${plan.warmupMs / 1000} s each`);
      await closedLoop(baseTargets, c, plan.warmupMs);
      for (const v of perVariant) await closedLoop(v.targets, c, plan.warmupMs);
      const baseRuns: LoadResult[] = [];
      const appRuns = perVariant.map(() => [] as LoadResult[]);
      for (let r = 1; r <= plan.repeats; r++) {
        const b = await measured(baseTargets, c, { baseline: baseline.pid });
        baseRuns.push(b);
        const parts = [`baseline ${line(b, ['baseline', 'bench', 'machine'])}`];
        for (const [i, v] of perVariant.entries()) {
          const a = await measured(v.targets, c, v.pids);
          appRuns[i].push(a);
          parts.push(`${v.workers}w ${line(a, ['ingestion', 'kafka', 'bench', 'machine'])}`);
        }
        say(`[bench] ingestion c=${c} round ${r}/${plan.repeats}: ${parts.join(' | ')}`);
      }
      for (const [i, v] of perVariant.entries()) {
        const runs = appRuns[i];
        v.levels.push({
          concurrency: c,
          app: runs,
          baseline: baseRuns,
          appPerSecond: median(runs.map((x) => x.okPerSecond)),
          appP50: median(runs.map((x) => x.latency.p50)),
          appP99: median(runs.map((x) => x.latency.p99)),
          baselinePerSecond: median(baseRuns.map((x) => x.okPerSecond)),
          baselineP50: median(baseRuns.map((x) => x.latency.p50)),
          baselineP99: median(baseRuns.map((x) => x.latency.p99)),
          appCpu: medianCpu(runs),
          baselineCpu: medianCpu(baseRuns),
        });
      }
    }
    await profiledApp?.profile('stop', profiled);
    const out: IngestionFigures[] = [];
    for (const v of perVariant) {
      const text = await scrape(`http://127.0.0.1:${v.opsPort}/metrics`);
      let kafka: IngestionFigures['kafka'] = null;
      if (text !== null) {
        const size = histogram(text, 'ingestion_kafka_batch_messages');
        const send = histogram(text, 'ingestion_kafka_send_seconds');
        kafka = {
          batches: size.count,
          meanBatchSize: size.sum / Math.max(1, size.count),
          meanSendMs: (1000 * send.sum) / Math.max(1, send.count),
        };
      }
      const peaks = Object.entries(v.pids)
        .filter(([k]) => k.startsWith('ingestion#'))
        .map(([, pid]) => processMemoryMb(pid)?.peak ?? NaN);
      out.push({ workers: v.workers, levels: v.levels, appPeakRssMb: Math.max(...peaks), baselinePeakRssMb: baseline.peakRssMb(), kafka });
    }
    return out;
  } finally {
    await stopAll();
  }
}

function medianCpu(runs: LoadResult[]): Record<string, number> {
  const names = new Set(runs.flatMap((r) => Object.keys(r.cpu ?? {})));
  return Object.fromEntries([...names].map((n) => [n, median(runs.map((r) => r.cpu?.[n] ?? NaN).filter((x) => !Number.isNaN(x)))]));
}

function line(r: LoadResult, cores: string[]): string {
  const e = Object.entries(r.errors);
  const errors = e.length ? ` (not 200: ${e.map(([k, v]) => `${k}×${v}`).join(', ')})` : '';
  const used = cores
    .filter((k) => r.cpu?.[k] !== undefined)
    .map((k) => `${k} ${r.cpu![k].toFixed(2)}`)
    .join(', ');
  return `${Math.round(r.okPerSecond)}/s p50 ${r.latency.p50.toFixed(1)} ms p99 ${r.latency.p99.toFixed(1)} ms${errors} [cores: ${used}]`;
}
