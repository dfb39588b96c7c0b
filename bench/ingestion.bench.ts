import { buildRequest } from '../tools/simulate/http-connection';
import type { SimEvent } from '../tools/simulate/generate';
import { registerInstitutes } from '../tools/simulate/register';
import { instituteCredentials, type WorldOptions } from '../tools/simulate/world';
import { BenchProcess, ENTRY, freePort, profiling, ROOT } from './app-process';
import type { BenchRun } from './bench-env';
import { CpuMeter, servicePids } from './cpu';
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
  replicas: number;
  levels: IngestionLevel[];
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
  /** Ingestion processes behind the load generator (1 = the figure the targets are about). */
  replicas: number;
  /** Extra env for ingestion (experiments such as INGEST_LINGER_MS=5). */
  env: Record<string, string>;
  /** Where to write a CPU profile of ingestion under the measured load; null for none. */
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
): Promise<IngestionFigures> {
  run.ownPhase('ingest');
  const creds = instituteCredentials(world);
  await registerInstitutes(run.databaseUrl, creds);
  const apps: BenchProcess[] = [];
  const stopAll = () => Promise.all(apps.map((a) => a.stop()));
  try {
    const prof = profiling(plan.profileFile);
    const ports: number[] = [];
    // /metrics is on each replica's operations port (OPS_PORT), not its webhook port.
    const opsPorts: number[] = [];
    for (let i = 0; i < plan.replicas; i++) {
      const port = await freePort();
      const opsPort = await freePort();
      ports.push(port);
      opsPorts.push(opsPort);
      const env = run.appEnv('ingest', { PORT: String(port), OPS_PORT: String(opsPort), ...plan.env, ...(i === 0 ? prof.env : {}) });
      apps.push(
        await BenchProcess.start(
          `ingestion#${i + 1}`,
          [ENTRY.ingestion],
          env,
          `http://127.0.0.1:${port}/ready`,
          i === 0 ? prof.nodeArgs : [],
        ),
      );
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
    const replicas = apps.slice(0, plan.replicas);
    say(`[bench] ingestion: ${plan.replicas} ingestion process(es) on port(s) ${ports.join(', ')}, bare Fastify baseline on ${basePort}`);

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
    const appTargets = ports.map(target);
    const baseTargets = [target(basePort)];
    const services = servicePids(ROOT);
    const measured = async (targets: LoadTarget[], c: number, pids: Record<string, number>, sumAs: string | null) => {
      const meters = new CpuMeter(pids).start();
      const r = await closedLoop(targets, c, plan.durationMs);
      const cpu = meters.stop();
      // Replicas count as one server: their cores add up.
      if (sumAs)
        cpu[sumAs] = Object.entries(cpu)
          .filter(([k]) => k.startsWith(`${sumAs}#`))
          .reduce((a, [, v]) => a + v, 0);
      r.cpu = cpu;
      return r;
    };
    const appPids = { ...Object.fromEntries(replicas.map((a, i) => [`ingestion#${i + 1}`, a.pid])), kafka: services.kafka };
    const levels: IngestionLevel[] = [];
    await replicas[0].profile('start', plan.profileFile);
    for (const c of plan.levels) {
      say(`[bench] ingestion c=${c}: warm-up ${plan.warmupMs / 1000} s each`);
      await closedLoop(baseTargets, c, plan.warmupMs);
      await closedLoop(appTargets, c, plan.warmupMs);
      const appRuns: LoadResult[] = [];
      const baseRuns: LoadResult[] = [];
      for (let r = 1; r <= plan.repeats; r++) {
        const b = await measured(baseTargets, c, { baseline: baseline.pid }, null);
        baseRuns.push(b);
        const a = await measured(appTargets, c, appPids, 'ingestion');
        appRuns.push(a);
        say(
          `[bench] ingestion c=${c} round ${r}/${plan.repeats}: ingestion ${line(a, ['ingestion', 'kafka', 'bench', 'machine'])} | baseline ${line(b, ['baseline', 'bench', 'machine'])}`,
        );
      }
      levels.push({
        concurrency: c,
        app: appRuns,
        baseline: baseRuns,
        appPerSecond: median(appRuns.map((x) => x.okPerSecond)),
        appP50: median(appRuns.map((x) => x.latency.p50)),
        appP99: median(appRuns.map((x) => x.latency.p99)),
        baselinePerSecond: median(baseRuns.map((x) => x.okPerSecond)),
        baselineP50: median(baseRuns.map((x) => x.latency.p50)),
        baselineP99: median(baseRuns.map((x) => x.latency.p99)),
        appCpu: medianCpu(appRuns),
        baselineCpu: medianCpu(baseRuns),
      });
    }
    await replicas[0].profile('stop', plan.profileFile);
    let kafka: IngestionFigures['kafka'] = null;
    const texts = (await Promise.all(opsPorts.map((p) => scrape(`http://127.0.0.1:${p}/metrics`)))).filter((t): t is string => t !== null);
    if (texts.length > 0) {
      const size = texts
        .map((t) => histogram(t, 'ingestion_kafka_batch_messages'))
        .reduce((a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }));
      const send = texts
        .map((t) => histogram(t, 'ingestion_kafka_send_seconds'))
        .reduce((a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }));
      kafka = {
        batches: size.count,
        meanBatchSize: size.sum / Math.max(1, size.count),
        meanSendMs: (1000 * send.sum) / Math.max(1, send.count),
      };
    }
    const peaks = replicas.map((a) => a.peakRssMb() ?? NaN);
    return { replicas: plan.replicas, levels, appPeakRssMb: Math.max(...peaks), baselinePeakRssMb: baseline.peakRssMb(), kafka };
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
