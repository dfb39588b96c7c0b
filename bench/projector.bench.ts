import { spawn } from 'node:child_process';
import { migrateClickHouse, rawDatabaseOf, sqlString, tableRef, type ClickHouse } from '@wise/clickhouse';
import { consumerLag } from '@wise/kafka';
import { deriveEventId, kafkaKey, parseEnvelope, parseWiseBody, serializeEnvelope } from '@wise/contracts';
import { eventStoreRow, EVENTS_TABLE } from '@wise/projections';
import type { SimEvent } from '../tools/simulate/generate';
import { BenchProcess, ENTRY, freePort, profiling, ROOT } from './app-process';
import { counterRates, readCounters, type ClickHouseCounters } from './clickhouse-counters';
import { CpuMeter, servicePids } from './cpu';
import type { BenchRun } from './bench-env';
import { median } from './stats';

export interface ProjectorFigures {
  events: number;
  /**
   * Envelopes per second from the projector being ready (consumer joined) to all N queryable with
   * their serving rows current (every offset committed: a batch is committed after its refresh).
   */
  perSecond: number;
  secondsFromReady: number;
  /** Seconds from ready until all N were in `events` (the facts; serving rows may still be pending). */
  factsSeconds: number;
  secondsFromSpawn: number;
  reached: number;
  baselineRuns: number[];
  /** Median rows per second of the raw bulk insert. */
  baselinePerSecond: number;
  peakRssMb: number | null;
  /** From the projector's /metrics: partition batches handled and their mean size and time. */
  batches: { count: number; meanMessages: number; meanSeconds: number } | null;
  /** Cores used while the projector worked, by process (projector, clickhouse, kafka, bench). */
  cpu: Record<string, number>;
  /** Cores used during the median baseline insert (clickhouse, bench = JSON serialisation). */
  baselineCpu: Record<string, number>;
  /** ClickHouse server activity per second while the projector worked. */
  clickhouse: ClickHouseCounters;
  /** `npm run cli -- rebuild` of the same events afterwards (facts and serving rows): events/s, or null if it failed. */
  rebuildPerSecond: number | null;
}

export interface ProjectorPlan {
  timeoutMs: number;
  baselineRepeats: number;
  insertChunk: number;
  /** Extra env for the projector (experiments). */
  env: Record<string, string>;
  /** Where to write a CPU profile of the projector while it works through the backlog; null for none. */
  profileFile: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function visible(ch: ClickHouse): Promise<number> {
  const rows = await ch.query<{ n: string | number }>(
    'bench',
    `SELECT uniqExact(event_id) AS n FROM ${tableRef(ch.database, EVENTS_TABLE)}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Rows in `events`, copies included, from the parts' metadata. What the bench polls while the
 * projector works: `visible` reads every event id, and polled every 200 ms it took about 4 s of
 * ClickHouse's CPU over a 30 s run (system.query_log), CPU the measured projector then lacked.
 */
async function rowsStored(ch: ClickHouse): Promise<number> {
  const rows = await ch.query<{ n: string | number }>(
    'bench',
    `SELECT sum(rows) AS n FROM system.parts WHERE database = ${sqlString(rawDatabaseOf(ch.database))} AND table = ${sqlString(EVENTS_TABLE)} AND active`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Envelopes exactly as ingestion publishes them (same contract functions), with their keys. */
export function envelopesOf(events: SimEvent[], receivedAt: number): Array<{ eventId: string; key: string; value: Buffer }> {
  return events.map((e) => {
    const raw = Buffer.from(e.body);
    const parsed = parseWiseBody(raw);
    if (!parsed.ok) throw new Error(`simulator body refused by the contract: ${parsed.reason}`);
    const eventId = deriveEventId(e.slug, raw);
    const l = parsed.links;
    const value = serializeEnvelope(
      {
        eventId,
        instituteId: e.slug,
        eventName: parsed.eventName,
        receivedAt,
        occurredAt: l.occurredAtMs,
        sessionId: l.sessionId,
        classroomId: l.classroomId,
        userId: l.userId,
      },
      raw,
    );
    return { eventId, key: kafkaKey(e.slug, parsed.orderingEntity, eventId), value };
  });
}

async function publish(
  run: BenchRun,
  topic: string,
  messages: Array<{ key: string; value: Buffer }>,
  say: (l: string) => void,
): Promise<void> {
  const producer = run.kafka.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const chunk = 2000;
    let next = 0;
    let done = 0;
    const t0 = Date.now();
    const lane = async () => {
      while (next < messages.length) {
        const part = messages.slice(next, (next += chunk)).map(({ key, value }) => ({ key, value }));
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: part }] });
        done += part.length;
        if (done % 50_000 < chunk)
          say(`[bench] projector: pre-filled ${done} of ${messages.length} envelopes (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Projector against a raw bulk insert: N envelopes are published first (not timed); the projector
 * then starts on them in a database of its own, and the clock runs from its readiness until
 * `uniqExact(event_id)` in `events` reaches N. The baseline inserts the same `events` rows,
 * 50k per JSONEachRow insert, into an empty database with the same schema.
 */
export async function benchProjector(
  run: BenchRun,
  events: SimEvent[],
  plan: ProjectorPlan,
  say: (l: string) => void,
): Promise<ProjectorFigures> {
  run.ownPhase('project');
  say(`[bench] projector: building ${events.length} envelopes with the contract's functions`);
  const messages = envelopesOf(events, Date.now());
  // The same body can come twice (an unsuspension repeated, say): one event id, one row in `events`.
  const n = new Set(messages.map((m) => m.eventId)).size;
  const topic = run.topic('project', 'events');
  const partitions = run.config.KAFKA_TOPIC_PARTITIONS;
  await run.kafka.ensureTopics([
    { topic, partitions, replicationFactor: run.config.KAFKA_REPLICATION_FACTOR },
    { topic: run.topic('project', 'quarantine'), partitions, replicationFactor: run.config.KAFKA_REPLICATION_FACTOR },
  ]);
  await publish(run, topic, messages, say);

  const port = await freePort();
  const ch = run.clickhouse('project');
  const spawned = Date.now();
  const prof = profiling(plan.profileFile);
  const projector = await BenchProcess.start(
    'projector',
    [ENTRY.projector],
    run.appEnv('project', { PROJECTOR_METRICS_PORT: String(port), ...plan.env, ...prof.env }, 'projector'),
    `http://127.0.0.1:${port}/health`,
    prof.nodeArgs,
  );
  const ready = Date.now();
  const services = servicePids(ROOT);
  const server = run.clickhouse(null);
  const counters0 = await readCounters(server);
  const meter = new CpuMeter({ projector: projector.pid, ...services }).start();
  await projector.profile('start', plan.profileFile);
  say(
    `[bench] projector: ${messages.length} envelopes (${n} distinct events) in ${topic}; ready after ${((ready - spawned) / 1000).toFixed(1)} s (boot, migrations, group join); timing until ${n} events are queryable and every offset is committed (serving rows current)`,
  );
  const groupId = String(run.appEnv('project').PROJECTOR_GROUP_ID);
  const uncommitted = async () =>
    (await run.kafka.withAdmin((admin) => consumerLag(admin, groupId, [topic]))).reduce((a, p) => a + p.lag, 0);
  let reached = 0;
  let factsAt = 0;
  let lastSay = ready;
  let done = Date.now();
  let batches: ProjectorFigures['batches'] = null;
  let cpu: Record<string, number> = {};
  let clickhouse: ClickHouseCounters = {};
  try {
    let stored = 0;
    while (Date.now() - ready < plan.timeoutMs) {
      stored = await rowsStored(ch).catch(() => stored);
      done = Date.now();
      // Merges collapse the few repeated bodies, so rows can end anywhere from n to the number
      // of envelopes: from n on, the distinct count (read once Kafka says all is committed) decides.
      if (stored >= n) {
        factsAt ||= done;
        if ((await uncommitted().catch(() => 1)) === 0) {
          reached = await visible(ch).catch(() => reached);
          if (reached >= n) break;
        }
      }
      if (done - lastSay >= 2000) {
        say(
          `[bench] projector: ${stored} rows in events (${n} distinct events to come) after ${((done - ready) / 1000).toFixed(1)} s (${Math.round(stored / ((done - ready) / 1000))}/s)`,
        );
        lastSay = done;
      }
      await sleep(200);
    }
    if (reached < n) reached = await visible(ch).catch(() => reached);
    cpu = meter.stop();
    clickhouse = counterRates(counters0, await readCounters(server), (Date.now() - ready) / 1000);
    await server.close();
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sum = (name: string) =>
        [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
      const count = sum('projector_batch_seconds_count');
      batches = {
        count,
        meanMessages: sum('projector_messages_total') / Math.max(1, count),
        meanSeconds: sum('projector_batch_seconds_sum') / Math.max(1, count),
      };
    } catch {
      /* diagnostics only */
    }
  } finally {
    await ch.close();
  }
  await projector.profile('stop', plan.profileFile);
  const peakRssMb = projector.peakRssMb();
  await projector.stop();
  const rebuildPerSecond = await timeRebuild(run.appEnv('project'), n, say);
  const secondsFromReady = (done - ready) / 1000;
  if (reached < n) say(`[bench] projector: only ${reached} of ${n} queryable after ${plan.timeoutMs / 1000} s; reporting the rate reached`);

  const rows = messages.map((m) => {
    const p = parseEnvelope(m.value);
    if (!p.ok) throw new Error(p.reason);
    return eventStoreRow(p.head, p.rawBody.toString('utf8'));
  });
  const baselineRuns: number[] = [];
  const baselineCpus: Array<Record<string, number>> = [];
  for (let r = 1; r <= plan.baselineRepeats; r++) {
    const phase = `base${r}`;
    run.ownPhase(phase);
    const bch = run.clickhouse(phase);
    try {
      await migrateClickHouse(bch);
      const t0 = Date.now();
      const m = new CpuMeter({ clickhouse: services.clickhouse }).start();
      for (let i = 0; i < rows.length; i += plan.insertChunk) await bch.insert('events', rows.slice(i, i + plan.insertChunk));
      while ((await visible(bch)) < n) await sleep(50);
      const perSecond = n / ((Date.now() - t0) / 1000);
      baselineCpus.push(m.stop());
      baselineRuns.push(perSecond);
      say(`[bench] projector baseline ${r}/${plan.baselineRepeats}: raw insert of ${n} events rows at ${Math.round(perSecond)} rows/s`);
    } finally {
      await bch.close();
    }
  }
  return {
    events: n,
    perSecond: reached / secondsFromReady,
    secondsFromReady,
    factsSeconds: ((factsAt || done) - ready) / 1000,
    secondsFromSpawn: (done - spawned) / 1000,
    reached,
    baselineRuns,
    baselinePerSecond: median(baselineRuns),
    peakRssMb,
    batches,
    cpu,
    clickhouse,
    rebuildPerSecond,
    baselineCpu:
      baselineCpus[baselineRuns.indexOf([...baselineRuns].sort((a, b) => a - b)[Math.floor((baselineRuns.length - 1) / 2)])] ?? {},
  };
}

/** Runs the CLI's rebuild over the phase's database (the projector stopped) and times it whole. */
async function timeRebuild(env: NodeJS.ProcessEnv, events: number, say: (l: string) => void): Promise<number | null> {
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [ENTRY.cli, 'rebuild'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (c) => resolve(c));
  });
  const seconds = (Date.now() - t0) / 1000;
  if (code !== 0) {
    say(`[bench] projector: rebuild exited with ${code}; no rebuild figure`);
    return null;
  }
  say(`[bench] projector: rebuild of ${events} events (facts and serving rows) in ${seconds.toFixed(1)} s`);
  return events / seconds;
}
