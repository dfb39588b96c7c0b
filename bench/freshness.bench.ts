import { sqlString, tableRef } from '@wise/clickhouse';
import { EVENTS_TABLE } from '@wise/projections';
import { deriveEventId } from '@wise/contracts';
import type { SimEvent } from '../tools/simulate/generate';
import { registerInstitutes } from '../tools/simulate/register';
import { sendAll, SendStats, type Delivery } from '../tools/simulate/sender';
import { instituteCredentials, type WorldOptions } from '../tools/simulate/world';
import { BenchProcess, ENTRY, freePort, INGESTION_NODE_ARGS, ROOT } from './app-process';
import { benchQueriesCpuSeconds, counterRates, readCounters, type ClickHouseCounters } from './clickhouse-counters';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CpuMeter, runQueueSeconds, servicePids } from './cpu';
import { buckets, histogram, quantileBound, scrape, sumOf } from './prometheus';
import type { BenchRun } from './bench-env';
import { latencySummary, Samples, type LatencySummary } from './stats';
import { ViewWatcher, WATCHED_VIEWS, watchOf, type WatchedView } from './view-watch';

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
  views: Record<WatchedView, { watched: number; visible: number; latency: LatencySummary }>;
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
  /** Extra env for both apps (experiments). */
  env: Record<string, string>;
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
): Promise<FreshnessFigures> {
  run.ownPhase('fresh');
  const creds = instituteCredentials(world);
  await registerInstitutes(run.databaseUrl, creds);
  const [appPort, opsPort, ingestionOpsPort] = [await freePort(), await freePort(), await freePort()];
  const projector = await BenchProcess.start(
    'projector',
    [ENTRY.projector],
    run.appEnv('fresh', { PROJECTOR_METRICS_PORT: String(opsPort), ...plan.env }, 'projector'),
    `http://127.0.0.1:${opsPort}/health`,
  );
  const ingestion = await BenchProcess.start(
    'ingestion',
    [ENTRY.ingestion],
    run.appEnv('fresh', { PORT: String(appPort), OPS_PORT: String(ingestionOpsPort), ...plan.env }, 'ingestion'),
    `http://127.0.0.1:${appPort}/ready`,
    INGESTION_NODE_ARGS,
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
  const slugs = creds.map((c) => sqlString(c.slug)).join(',');
  let sending = true;
  try {
    const total = Math.min(events.length, Math.round(plan.rate * plan.seconds));
    say(`[bench] freshness: POSTing ${total} webhooks at ${plan.rate}/s, watching an eighth of them in events every ${plan.pollMs} ms`);
    const deliveries = (function* (): Generator<Delivery> {
      for (const e of events.slice(0, total)) {
        const c = creds[e.institute];
        yield { slug: c.slug, keyHeader: c.keyHeader, key: c.key, body: e.body };
      }
    })();
    const stats = new SendStats();
    const server = run.clickhouse(null);
    const counters0 = await readCounters(server);
    const meter = new CpuMeter({ ingestion: ingestion.pid, projector: projector.pid, ...servicePids(ROOT) }).start();
    const waits = new PostWaitMeter(ingestion.pid, `http://127.0.0.1:${ingestionOpsPort}/metrics`);
    await waits.start();
    const t0 = Date.now();
    const sender = sendAll(
      deliveries,
      {
        // Enough connections that the pace, not the answers, sets the rate (Wise does not wait either).
        baseUrl: `http://127.0.0.1:${appPort}`,
        rate: plan.rate,
        concurrency: 256,
        timeoutMs: 5000,
        retryDelaysMs: [],
        onAttempt: (d, outcome, started, ended) => {
          if (outcome !== '200') return;
          answered.push(ended - started);
          const id = deriveEventId(d.slug, Buffer.from(d.body));
          if (sentAt.has(id)) return;
          sentAt.set(id, started);
          const view = watchOf(d.slug, d.body);
          if (view) views.add(view, started);
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
          const rows = await ch
            .query<{ event_id: string }>(
              'bench',
              `SELECT DISTINCT event_id FROM ${tableRef(ch.database, EVENTS_TABLE)} WHERE institute_id IN (${slugs}) AND event_id IN (${list})`,
            )
            .catch(() => []);
          const now = Date.now();
          for (const r of rows) {
            if (!pending.delete(r.event_id)) continue;
            seenAfter.push(now - sentAt.get(r.event_id)!);
          }
        }
        await sleep(plan.pollMs);
      }
    })();
    // The views group their stores per institute: polled less often than `events`, whose poll is a
    // primary-key lookup, so that watching does not load the ClickHouse it measures.
    const viewPoller = (async () => {
      let drainUntil = Infinity;
      while (views.size > 0 || sending) {
        if (!sending && drainUntil === Infinity) drainUntil = Date.now() + plan.drainMs;
        if (Date.now() > drainUntil) break;
        await views.poll(ch, slugs);
        await sleep(VIEW_POLL_MS);
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
      views: Object.fromEntries(
        WATCHED_VIEWS.map((v) => [v, { watched: views.watched[v], visible: views.seen[v].length, latency: latencySummary(views.seen[v]) }]),
      ) as FreshnessFigures['views'],
      pollMs: plan.pollMs,
      ingestionPeakRssMb: ingestion.peakRssMb(),
      projectorPeakRssMb: projector.peakRssMb(),
      cpu,
      clickhouse,
      clickhouseWatchingCores: watchingSeconds === null ? null : watchingSeconds / sentSeconds,
      postWaits,
    };
  } finally {
    await ch.close();
    await Promise.all([ingestion.stop(), projector.stop()]);
  }
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
