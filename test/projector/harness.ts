/*
 * What the projector tests share: publishing envelopes straight to a test's events topic (as
 * ingestion would), knowing when the projector has committed everything, and the test's ClickHouse
 * database. Tests may use kafkajs through @wise/kafka; the apps under test run as child processes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ClickHouse, sqlString, tableRef } from '@wise/clickhouse';
import { kafkaKey, parseWiseBody, serializeEnvelope, type Envelope } from '@wise/contracts';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { dropTestDatabases, waitFor } from '@wise/testing';
import { ANALYTICS_TABLES, EVENTS_TABLE, projectMessage } from '@wise/projections';

const ROOT = join(__dirname, '..', '..');

export interface RawMessage {
  key: string;
  value: Buffer;
}

function kafkaOf(env: NodeJS.ProcessEnv): KafkaConnection {
  return new KafkaConnection({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'projector-test', logger: new Logger('test', 'error') });
}

/** The message ingestion publishes for `e`: envelope spliced around the raw body, keyed for order. */
export function messageOf(e: Envelope): RawMessage {
  const raw = Buffer.from(JSON.stringify(e.body));
  const parsed = parseWiseBody(raw);
  if (!parsed.ok) throw new Error(`test envelope refused by the contract: ${parsed.reason}`);
  const { body: _body, v: _v, ...head } = e;
  return { key: kafkaKey(e.instituteId, parsed.orderingEntity, e.eventId), value: serializeEnvelope(head, raw) };
}

/** Publishes to the env's events topic (created like the apps create it), in order, acks=all. */
export async function publish(env: NodeJS.ProcessEnv, messages: RawMessage[]): Promise<void> {
  const kafka = kafkaOf(env);
  await kafka.ensureTopics(
    [env.KAFKA_EVENTS_TOPIC!, env.KAFKA_QUARANTINE_TOPIC!].map((topic) => ({
      topic,
      partitions: Number(env.KAFKA_TOPIC_PARTITIONS),
      replicationFactor: 1,
    })),
  );
  const producer = kafka.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 50) {
      await producer.send({ topic: env.KAFKA_EVENTS_TOPIC!, acks: -1, messages: messages.slice(i, i + 50) });
    }
  } finally {
    await producer.disconnect();
  }
}

export const publishEnvelopes = (env: NodeJS.ProcessEnv, envelopes: readonly Envelope[]) => publish(env, envelopes.map(messageOf));

/** Per partition of the events topic: the group's committed offset (0 if none) and the log end. */
export async function offsets(env: NodeJS.ProcessEnv): Promise<Array<{ partition: number; committed: number; end: number }>> {
  return kafkaOf(env).withAdmin(async (admin) => {
    const topic = env.KAFKA_EVENTS_TOPIC!;
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: env.PROJECTOR_GROUP_ID!, topics: [topic] });
    const at = new Map(committed.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return ends
      .map((p) => ({ partition: p.partition, committed: at.get(p.partition) ?? 0, end: Number(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  });
}

export const committedTotal = async (env: NodeJS.ProcessEnv) => (await offsets(env)).reduce((n, p) => n + p.committed, 0);

/**
 * Resolves once the group has committed every message of the events topic. A commit follows the
 * writes of its batch, so from then on ClickHouse holds everything that was published.
 */
export async function waitUntilCommitted(env: NodeJS.ProcessEnv, timeoutMs = 90000): Promise<void> {
  await waitFor(
    'the projector to commit every published message',
    async () => (await offsets(env)).every((p) => p.committed === p.end),
    timeoutMs,
    200,
  );
}

export function clickhouseOf(env: NodeJS.ProcessEnv): ClickHouse {
  return new ClickHouse({ url: env.CLICKHOUSE_URL!, user: 'default', password: '', database: env.CLICKHOUSE_DATABASE!, app: 'test' });
}

export async function dropDatabase(ch: ClickHouse | undefined): Promise<void> {
  if (!ch) return;
  await dropTestDatabases(ch, ch.database);
  await ch.close();
}

/** Event ids stored for `institute`: distinct, total rows after collapsing copies, and the ids. */
export async function storedEvents(ch: ClickHouse, institute: string): Promise<{ distinct: number; final: number; ids: string[] }> {
  const where = `WHERE institute_id = ${sqlString(institute)}`;
  const events = tableRef(ch.database, EVENTS_TABLE);
  const [d] = await ch.query<{ n: string }>('test', `SELECT uniqExact(event_id) AS n FROM ${events} ${where}`);
  const [f] = await ch.query<{ n: string }>('test', `SELECT count() AS n FROM ${events} FINAL ${where}`);
  const ids = await ch.query<{ event_id: string }>('test', `SELECT DISTINCT event_id FROM ${events} ${where} ORDER BY event_id`);
  return { distinct: Number(d.n), final: Number(f.n), ids: ids.map((r) => r.event_id) };
}

/** Rows per fact table that one projection of each distinct event gives (the projection step itself). */
export function expectedFactRows(envelopes: readonly Envelope[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, 0]));
  const seen = new Set<string>();
  for (const e of envelopes) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const { body, ...head } = e;
    const result = projectMessage(head, JSON.stringify(body));
    if (result.kind !== 'ok') throw new Error(`test envelope refused by the projection: ${result.reason}`);
    for (const [table, rows] of Object.entries(result.rows)) out[table] += rows.length;
  }
  return out;
}

/** Rows per fact table for `institute`, copies collapsed (FINAL). */
export async function storedFactRows(ch: ClickHouse, institute: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ANALYTICS_TABLES) {
    const [r] = await ch.query<{ n: string }>('test', `SELECT count() AS n FROM ${t} FINAL WHERE institute_id = ${sqlString(institute)}`);
    out[t] = Number(r.n);
  }
  return out;
}

export const distinctIds = (envelopes: readonly Envelope[]) => [...new Set(envelopes.map((e) => e.eventId))].sort();

/** Runs the built CLI as an operator would (`npm run cli -- ...`), with the test's environment. */
export function runCli(
  env: NodeJS.ProcessEnv,
  args: string[],
  timeoutMs = 90_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
