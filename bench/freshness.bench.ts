import { sqlString, tableRef } from '@wise/clickhouse';
import { EVENTS_TABLE } from '@wise/projections';
import { deriveEventId } from '@wise/contracts';
import type { SimEvent } from '../tools/simulate/generate';
import { registerInstitutes } from '../tools/simulate/register';
import { sendAll, SendStats, type Delivery } from '../tools/simulate/sender';
import { instituteCredentials, type WorldOptions } from '../tools/simulate/world';
import { BenchProcess, ENTRY, freePort, INGESTION_NODE_ARGS, profiling, ROOT } from './app-process';
import { benchQueriesCpuSeconds, counterRates, readCounters, type ClickHouseCounters } from './clickhouse-counters';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CpuMeter, runQueueSeconds, servicePids } from './cpu';
import { buckets, histogram, quantileBound, scrape, sumOf } from './prometheus';
import type { BenchRun } from './bench-env';
import { latencySummary, Samples, type LatencySummary } from './stats';
import { ViewWatcher, WATCHED_VIEWS, watchOf, type Watch, type WatchedView } from './view-watch';

export type ViewFigures = Record<WatchedView, { watched: number; visible: number; latency: LatencySummary }>;

export interface FreshnessFigures {
  rate: number;
  seconds: number;
  sentPerSecond: number;
  /** Distinct events answered 200 (a body sent twice is one event). */
  accepted: number;
  /** Watched events (an eighth of the accepted ones) and how many of them became visible. */
  watched: number;
  visible: number;
  /** POST to answer, ms: ingestion's latency while the projector and ClickHouse share the machine. */
  postLatency: LatencySummary;
  /** POST start to first seen in `events`, ms, for the watched eighth of the events (ids 0… and 1…). */
  latency: LatencySummary;
  /** POST start to the row an analyst reads (view-watch.ts), per view. */
  views: ViewFigures;
  /**
   * The warm-up before the measured window, from the processes' cold start (other institutes, the
   * same rate), its views watched the same way: shown, not judged. Null when there was none.
   */
  warmup?: { seconds: number; sentPerSecond: number; views: ViewFigures } | null;
  pollMs: number;
  ingestionPeakRssMb: number | null;
  projectorPeakRssMb: number | null;
  /** Cores used while sending, by process. */
  cpu: Record<string, number>;
  /** ClickHouse server activity per second while sending (INSERT statements, merges...). */
  clickhouse: ClickHouseCounters;
  /** ClickHouse cores spent on the bench's own polls while sending (benchQueriesCpuSeconds), null if unknown. */
  clickhouseWatchingCores?: number | null;
  /** What a POST waited for while sending (see PostWaits). */
  postWaits: PostWaits;
}

/**
 * Where a slow POST answer can come from, measured over the sending window: ingestion's event loop
 * (its delay: a timer firing late, because the loop was busy or the thread was not scheduled),
 * Kafka's acknowledgement, or the CPU being taken by other processes (time the thread was runnable
 * but waited in the run queue), for ingestion and for the bench process that sends and times.
 */
export interface PostWaits {
  ingestionLoopDelayP99Ms: number | null;
  ingestionLoopDelayMaxMs: number | null;
  kafkaSendMeanMs: number | null;
  /** Upper bound of the histogram bucket holding the 99th percentile of Kafka sends. */
  kafkaSendP99UpToMs: number | null;
  /** Share of wall time each main thread was runnable but waiting for a CPU (0–1). */
  runQueueShare: { ingestion: number | null; bench: number | null };
  benchLoopDelayP99Ms: number;
}

export interface FreshnessPlan {
  rate: number;
  seconds: number;
  pollMs: number;
  drainMs: number;
  /**
   * Seconds of sending before the measured window, for the institutes of `warmup` below. The apps
   * start with the phase, so their first seconds are a cold start (V8 compiling the hot paths, the
   * first connections, ClickHouse's caches empty, the sender itself): a pipeline serving 1,000/s
   * runs warm, and the target is about that. The warm-up's own figures are reported beside.
   */
  warmupSeconds: number;
  /** Extra env for both apps (experiments). */
  env: Record<string, string>;
  /** Where to write CPU profiles of the apps over the measured window (after the warm-up); null for none. */
  profileFiles: { ingestion: string | null; projector: string | null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VIEW_POLL_MS = 250;

/**
 * Freshness: the whole pipeline running (ingestion, Kafka, projector, ClickHouse), webhooks POSTed
 * at a fixed rate, and for each accepted one the time from its POST until its event_id can be
 * selected from `events` (the table the views read the payload from; the fact tables are written
 * in the same batch). Visibility is polled every `pollMs`, which bounds the resolution.
 */
export async function benchFreshness(
  run: BenchRun,
  world: WorldOptions,
  events: SimEvent[],
  plan: FreshnessPlan,
  say: (l: string) => void,
  warmup: { world: WorldOptions; events: SimEvent[] } | null = null,
): Promise<FreshnessFigures> {
  run.ownPhase('fresh');
  const creds = instituteCredentials(world);
  const warmCreds = warmup ? instituteCredentials(warmup.world) : [];
  await registerInstitutes(run.databaseUrl, [...creds, ...warmCreds]);
  const [appPort, opsPort, ingestionOpsPort] = [await freePort(), await freePort(), await freePort()];
  const [projectorProf, ingestionProf] = [profiling(plan.profileFiles.projector), profiling(plan.profileFiles.ingestion)];
  const projector = await BenchProcess.start(
    'projector',
    [ENTRY.projector],
    run.appEnv('fresh', { PROJECTOR_METRICS_PORT: String(opsPort), ...plan.env, ...projectorProf.env }, 'projector'),
    `http://127.0.0.1:${opsPort}/health`,
    projectorProf.nodeArgs,
  );
  const ingestion = await BenchProcess.start(
    'ingestion',
    [ENTRY.ingestion],
    run.appEnv('fresh', { PORT: String(appPort), OPS_PORT: String(ingestionOpsPort), ...plan.env, ...ingestionProf.env }, 'ingestion'),
    `http://127.0.0.1:${appPort}/ready`,
    [...INGESTION_NODE_ARGS, ...ingestionProf.nodeArgs],
  ).catch(async (e) => {
    await projector.stop();
    throw e;
  });
  const ch = run.clickhouse('fresh');
  const sentAt = new Map<string, number>();
  const answered = new Samples();
  const seenAfter: number[] = [];
  const pending = new Set<string>();
  let watched = 0;
  const views = new ViewWatcher();
  const warmViews = new ViewWatcher();
  const slugs = creds.map((c) => sqlString(c.slug)).join(',');
  const warmSlugs = warmCreds.map((c) => sqlString(c.slug)).join(',');
  let sending = true;
  // Each delivery's event id and watch are worked out before sending: done in onAttempt, parsing
  // every body again took the bench's event loop, on the two cores the pipeline is measured on.
  const known = new Map<Delivery, { id: string; watch: Watch | null }>();
  const deliveriesOf = (list: SimEvent[], of: typeof creds): Delivery[] =>
    list.map((e) => {
      const c = of[e.institute];
      const d = { slug: c.slug, keyHeader: c.keyHeader, key: c.key, body: e.body };
      known.set(d, { id: deriveEventId(d.slug, Buffer.from(d.body)), watch: watchOf(d.slug, d.body) });
      return d;
    });
  const sendOptions = {
    // Enough connections that the pace, not the answers, sets the rate (Wise does not wait either).
    baseUrl: `http://127.0.0.1:${appPort}`,
    rate: plan.rate,
    concurrency: 256,
    timeoutMs: 5000,
    retryDelaysMs: [],
  };
  // The views group their stores per institute: polled less often than `events`, whose poll is a
  // primary-key lookup, so that watching does not load the ClickHouse it measures. Both watchers
  // from the first POST on: the warm-up's rows may show after it has ended.
  let stopped = false;
  const viewPoller = (async () => {
    let drainUntil = Infinity;
    while (!stopped && (views.size > 0 || warmViews.size > 0 || sending)) {
      if (!sending && drainUntil === Infinity) drainUntil = Date.now() + plan.drainMs;
      if (Date.now() > drainUntil) break;
      await views.poll(ch, slugs);
      if (warmViews.size > 0) await warmViews.poll(ch, warmSlugs);
      await sleep(VIEW_POLL_MS);
    }
  })();
  try {
    let warmSent: { seconds: number; sentPerSecond: number } | null = null;
    const warmTotal = warmup ? Math.min(warmup.events.length, Math.round(plan.rate * plan.warmupSeconds)) : 0;
    if (warmup && warmTotal > 0) {
      say(
        `[bench] freshness: warming up from a cold start: ${warmTotal} webhooks of ${warmCreds.length} other institutes at ${plan.rate}/s (timed, shown apart, not judged)`,
      );
      const warmStats = new SendStats();
      const tw = Date.now();
      const warmDeliveries = deliveriesOf(warmup.events.slice(0, warmTotal), warmCreds);
      await sendAll(
        warmDeliveries.values(),
        {
          ...sendOptions,
          onAttempt: (d, outcome, started) => {
            const view = outcome === '200' ? known.get(d)!.watch : null;
            if (view) warmViews.add(view, started);
          },
        },
        warmStats,
      );
      const seconds = (Date.now() - tw) / 1000;
      warmSent = { seconds, sentPerSecond: warmStats.started / seconds };
    }
    const total = Math.min(events.length, Math.round(plan.rate * plan.seconds));
    say(`[bench] freshness: POSTing ${total} webhooks at ${plan.rate}/s, watching an eighth of them in events every ${plan.pollMs} ms`);
    const deliveries = deliveriesOf(events.slice(0, total), creds);
    const stats = new SendStats();
    const server = run.clickhouse(null);
    const counters0 = await readCounters(server);
    const meter = new CpuMeter({ ingestion: ingestion.pid, projector: projector.pid, ...servicePids(ROOT) }).start();
    const waits = new PostWaitMeter(ingestion.pid, `http://127.0.0.1:${ingestionOpsPort}/metrics`);
    await waits.start();
    await Promise.all([ingestion.profile('start', plan.profileFiles.ingestion), projector.profile('start', plan.profileFiles.projector)]);
    const t0 = Date.now();
    const sender = sendAll(
      deliveries.values(),
      {
        ...sendOptions,
        onAttempt: (d, outcome, started, ended) => {
          if (outcome !== '200') return;
          answered.push(ended - started);
          const { id, watch } = known.get(d)!;
          if (sentAt.has(id)) return;
          sentAt.set(id, started);
          if (watch) views.add(watch, started);
          // Only a fixed eighth of the events (by id, not by time) is watched: a poll's IN list grows
          // with what is pending, and a heavy poll would slow the ClickHouse it is measuring.
          if (id.charCodeAt(0) <= 0x31) {
            pending.add(id);
            watched++;
          }
        },
      },
      stats,
    ).finally(() => {
      sending = false;
    });

    const poller = (async () => {
      let drainUntil = Infinity;
      while (pending.size > 0 || sending) {
        if (!sending && drainUntil === Infinity) drainUntil = Date.now() + plan.drainMs;
        if (Date.now() > drainUntil) break;
        const ids = [...pending];
        for (let i = 0; i < ids.length; i += 2000) {
          const list = ids
            .slice(i, i + 2000)
            .map(sqlString)
            .join(',');
          const asked = Date.now(); // as in ViewWatcher.poll: visible when the SELECT was sent
          const rows = await ch
            .query<{ event_id: string }>(
              'bench',
              `SELECT DISTINCT event_id FROM ${tableRef(ch.database, EVENTS_TABLE)} WHERE institute_id IN (${slugs}) AND event_id IN (${list})`,
            )
            .catch(() => []);
          for (const r of rows) {
            if (!pending.delete(r.event_id)) continue;
            seenAfter.push(asked - sentAt.get(r.event_id)!);
          }
        }
        await sleep(plan.pollMs);
      }
    })();
    let last = 0;
    const progress = setInterval(() => {
      say(
        `[bench] freshness: ${stats.started} sent (${Math.round((stats.started - last) / 2)}/s), ${stats.ok} accepted; of ${watched} watched ${seenAfter.length} visible, ${pending.size} pending`,
      );
      last = stats.started;
    }, 2000);
    await sender;
    const sentSeconds = (Date.now() - t0) / 1000;
    await Promise.all([ingestion.profile('stop', plan.profileFiles.ingestion), projector.profile('stop', plan.profileFiles.projector)]);
    const cpu = meter.stop();
    const postWaits = await waits.stop();
    const clickhouse = counterRates(counters0, await readCounters(server), sentSeconds);
    const watchingSeconds = await benchQueriesCpuSeconds(server, t0, t0 + sentSeconds * 1000);
    await server.close();
    await Promise.all([poller, viewPoller]);
    clearInterval(progress);
    return {
      rate: plan.rate,
      seconds: sentSeconds,
      sentPerSecond: stats.started / sentSeconds,
      accepted: sentAt.size,
      watched,
      visible: seenAfter.length,
      postLatency: latencySummary(answered.values()),
      latency: latencySummary(seenAfter),
      views: viewFiguresOf(views),
      // Read after the drain: rows of the warm-up that showed after it ended count too.
      warmup: warmSent && { ...warmSent, views: viewFiguresOf(warmViews) },
      pollMs: plan.pollMs,
      ingestionPeakRssMb: ingestion.peakRssMb(),
      projectorPeakRssMb: projector.peakRssMb(),
      cpu,
      clickhouse,
      clickhouseWatchingCores: watchingSeconds === null ? null : watchingSeconds / sentSeconds,
      postWaits,
    };
  } finally {
    stopped = true;
    await viewPoller;
    await ch.close();
    await Promise.all([ingestion.stop(), projector.stop()]);
  }
}

function viewFiguresOf(w: ViewWatcher): ViewFigures {
  return Object.fromEntries(
    WATCHED_VIEWS.map((v) => [v, { watched: w.watched[v], visible: w.seen[v].length, latency: latencySummary(w.seen[v]) }]),
  ) as ViewFigures;
}

/** Measures PostWaits between start() and stop() (ingestion's lag histogram resets at each scrape). */
class PostWaitMeter {
  private t0 = 0;
  private runQueue0: Array<number | null> = [];
  private kafka0 = new Map<number, number>();
  private send0 = { sum: 0, count: 0 };
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly ingestionPid: number,
    private readonly metricsUrl: string,
  ) {}

  async start(): Promise<void> {
    const text = (await scrape(this.metricsUrl)) ?? '';
    this.kafka0 = buckets(text, 'ingestion_kafka_send_seconds');
    this.send0 = histogram(text, 'ingestion_kafka_send_seconds');
    this.runQueue0 = [runQueueSeconds(this.ingestionPid), runQueueSeconds(process.pid)];
    this.t0 = performance.now();
    this.loop.enable();
  }

  async stop(): Promise<PostWaits> {
    this.loop.disable();
    const wall = (performance.now() - this.t0) / 1000;
    const now = [runQueueSeconds(this.ingestionPid), runQueueSeconds(process.pid)];
    const share = (i: number) => (now[i] !== null && this.runQueue0[i] !== null ? (now[i]! - this.runQueue0[i]!) / wall : null);
    const text = await scrape(this.metricsUrl);
    const ms = (name: string) => (text === null ? null : 1000 * sumOf(text, name));
    const send = text === null ? null : histogram(text, 'ingestion_kafka_send_seconds');
    const sends = send ? send.count - this.send0.count : 0;
    const p99 = text === null ? null : quantileBound(this.kafka0, buckets(text, 'ingestion_kafka_send_seconds'), 0.99);
    return {
      ingestionLoopDelayP99Ms: ms('nodejs_eventloop_lag_p99_seconds'),
      ingestionLoopDelayMaxMs: ms('nodejs_eventloop_lag_max_seconds'),
      kafkaSendMeanMs: send && sends > 0 ? (1000 * (send.sum - this.send0.sum)) / sends : null,
      kafkaSendP99UpToMs: p99 === null ? null : 1000 * p99,
      runQueueShare: { ingestion: share(0), bench: share(1) },
      benchLoopDelayP99Ms: this.loop.percentile(99) / 1e6,
    };
  }
}
