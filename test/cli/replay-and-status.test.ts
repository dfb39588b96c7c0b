import { sqlString, tableRef } from '@wise/clickhouse';
import {
  acceptedEventRecord,
  deriveEventId,
  ENVELOPE_SCHEMA_VERSION,
  kafkaKey,
  parseEnvelope,
  parseWiseBody,
  serializeQuarantine,
} from '@wise/contracts';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { ANALYTICS_TABLES, eventStoreRow, EVENTS_TABLE, projectMessage, QUARANTINE_TABLE, quarantineRow } from '@wise/projections';
import { fixtureBytes, readTopic, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, AppProcess, post, RunningIngestion, startIngestion, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase, runCli, storedEvents, storedFactRows, waitUntilCommitted } from '../projector/harness';

const env = testEnv();
const slug = uniqueSlug('replay');
const key = 'replay-key-0123456789abcdef';
const kafka = new KafkaConnection({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'replay-test', logger: new Logger('test', 'error') });

async function cli(args: string[]): Promise<string> {
  const r = await runCli(env, args);
  if (r.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const eventsTopicEnd = async () =>
  (await kafka.withAdmin((a) => a.fetchTopicOffsets(env.KAFKA_EVENTS_TOPIC!))).reduce((n, p) => n + Number(p.high), 0);

// A real Wise body that an earlier, stricter contract refused: ingestion put it on the quarantine
// topic with serializeQuarantine, exactly as below, and the projector stored it in `quarantine`.
// Today's contract accepts it (the rule was relaxed), so a replay must bring it in, once.
const body = fixtureBytes('FeeInvoiceChargedEvent');
const eventId = deriveEventId(slug, body);
const receivedAt = Date.now() - 3_600_000;
/** Rows per fact table of one projection, every table named. */
function factRowsOf(rows: Partial<Record<string, unknown[]>>): Record<string, number> {
  const out = Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, rows[t]?.length ?? 0]));
  expect(Object.values(out).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  return out;
}

const STRICTER_REASON = 'FeeInvoiceChargedEvent: payload.invoice.notes: required (a rule since relaxed)';

describe('quarantine replay and status, against the real services', () => {
  const ch = clickhouseOf(env);
  let ingestion: RunningIngestion;
  let projector: AppProcess;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
    projector = await startProjector(env);
    const producer = kafka.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: env.KAFKA_QUARANTINE_TOPIC!,
      acks: -1,
      messages: [
        {
          key: kafkaKey(slug, null, eventId),
          value: serializeQuarantine(
            { eventId, instituteId: slug, eventName: 'FeeInvoiceChargedEvent', receivedAt, reason: STRICTER_REASON },
            body,
          ),
        },
      ],
    });
    await producer.disconnect();
    // And a body today's contract refuses too, through the real ingestion.
    const refused = await post(`${ingestion.url}/webhooks/wise/${slug}`, '{"event":"NoSuchEvent","payload":{}}', { 'x-wise-key': key });
    expect(refused.json.status).toBe('quarantined');
    await waitFor('both quarantine rows', async () => {
      const [r] = await ch.query<{ n: string }>(
        'test',
        `SELECT count() AS n FROM ${tableRef(ch.database, QUARANTINE_TABLE)} FINAL WHERE institute_id = ${sqlString(slug)}`,
      );
      return Number(r.n) === 2;
    });
  });
  afterAll(async () => {
    await ingestion?.stop();
    await projector?.stop();
    await dropDatabase(ch);
  });

  it('selects by --since and --reason; --dry-run publishes nothing', async () => {
    const end = await eventsTopicEnd();
    const recent = await cli(['quarantine', 'replay', '--institute', slug, '--since', '30m', '--dry-run']);
    expect(recent).toMatch(/: 1 quarantined deliveries match/);
    expect(recent).toMatch(/^1 of 1: 0 would be replayed, 0 replayed before, 1 still refused, 0 not replayable, 0 did not verify$/m);
    const byReason = await cli(['quarantine', 'replay', '--institute', slug, '--reason', 'SINCE RELAXED', '--dry-run']);
    expect(byReason).toMatch(/^1 of 1: 1 would be replayed/m);
    expect(await eventsTopicEnd()).toBe(end);
  });

  it('brings a body a relaxed rule now accepts into events once, with its fact rows; the still-refused one stays, with its reason', async () => {
    const out = await cli(['quarantine', 'replay', '--institute', slug]);
    expect(out).toMatch(/^2 of 2: 1 replayed, 0 replayed before, 1 still refused, 0 not replayable, 0 did not verify$/m);
    expect(out).toMatch(/still refused: .*NoSuchEvent/);
    await waitUntilCommitted(env);
    expect(await storedEvents(ch, slug)).toEqual({ distinct: 1, final: 1, ids: [eventId] });
    const [row] = await ch.query<{ received_at_ms: string }>(
      'test',
      `SELECT received_at_ms FROM ${tableRef(ch.database, EVENTS_TABLE)} WHERE event_id = ${sqlString(eventId)}`,
    );
    expect(Number(row.received_at_ms)).toBe(receivedAt);
    // The fact rows today's projection gives the event, each once.
    const [published] = (await readTopic(env.KAFKA_BROKERS!.split(','), env.KAFKA_EVENTS_TOPIC!)).filter((m) => m.value.includes(eventId));
    const envelope = parseEnvelope(published.value);
    if (!envelope.ok) throw new Error(envelope.reason);
    expect(envelope.rawBody.equals(body)).toBe(true);
    const projected = projectMessage({ ...envelope.head, v: ENVELOPE_SCHEMA_VERSION }, body.toString('utf8'));
    if (projected.kind !== 'ok') throw new Error(projected.reason);
    expect(await storedFactRows(ch, slug)).toEqual(factRowsOf(projected.rows));
  });

  it('a second replay publishes nothing and adds nothing', async () => {
    const end = await eventsTopicEnd();
    const out = await cli(['quarantine', 'replay', '--institute', slug]);
    expect(out).toMatch(/^2 of 2: 0 replayed, 1 replayed before, 1 still refused, 0 not replayable, 0 did not verify$/m);
    expect(await eventsTopicEnd()).toBe(end);
    expect(await storedEvents(ch, slug)).toEqual({ distinct: 1, final: 1, ids: [eventId] });
  });

  it('status: lag per partition, no rebuild, events, quarantined and replayed per institute, quarantine by reason', async () => {
    await waitUntilCommitted(env);
    const out = await cli(['status']);
    // Two topics of three partitions, everything committed.
    expect(out).toMatch(
      new RegExp(`^projector consumer group ${env.PROJECTOR_GROUP_ID}: lag 0 message\\(s\\) over 6 partition\\(s\\)$`, 'm'),
    );
    // The replayed event's partition: one message, committed; partitions never written show "-".
    expect(out).toMatch(new RegExp(`^${env.KAFKA_EVENTS_TOPIC!.replace(/\./g, '\\.')}\\s+\\d\\s+1\\s+1\\s+0$`, 'm'));
    expect(out).toMatch(new RegExp(`^${env.KAFKA_EVENTS_TOPIC!.replace(/\./g, '\\.')}\\s+\\d\\s+0\\s+-\\s+0$`, 'm'));
    expect(out).toMatch(/^rebuild: none in progress$/m);
    expect(out).toMatch(new RegExp(`^${slug}\\s+1\\s+\\S+ \\S+\\s+2\\s+1$`, 'm'));
    expect(out).toMatch(
      new RegExp(`^${slug}\\s+ingestion\\s+1\\s+\\S+ \\S+\\s+FeeInvoiceChargedEvent: payload.invoice.notes: required`, 'm'),
    );
    expect(out).toMatch(new RegExp(`^${slug}\\s+ingestion\\s+1\\s+\\S+ \\S+\\s+.*NoSuchEvent`, 'm'));
  });

  it('status: a rebuild stopped half-way is seen by the tables it left', async () => {
    await ch.command('test', 'CREATE TABLE invoice_events__rebuild AS invoice_events');
    try {
      expect(await cli(['status'])).toMatch(/^rebuild: none running, but tables of one are left \(invoice_events__rebuild\)/m);
    } finally {
      await ch.command('test', 'DROP TABLE invoice_events__rebuild');
    }
  });

  it('status: with Kafka unreachable, says so and still shows the rest', async () => {
    const r = await runCli({ ...env, KAFKA_BROKERS: '127.0.0.1:1' }, ['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lag unknown \(.*Kafka at 127\.0\.0\.1:1\)/);
    expect(r.stdout).toMatch(/^rebuild: none in progress$/m);
  });
  it('replays a delivery an earlier projector refused: its events row was kept, its fact rows come now, once', async () => {
    const other = uniqueSlug('replay-p');
    await addInstitute(env, other, 'replay-p-key-0123456789abcdef');
    const raw = fixtureBytes('MeetingEndedEvent');
    const id = deriveEventId(other, raw);
    const parsed = parseWiseBody(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    const { head } = acceptedEventRecord(other, id, receivedAt, parsed, raw);
    // What the projector writes when a projection refuses an event (project-batch.ts): the events
    // row, and a quarantine row with the body; here as an earlier projector with a bug wrote them.
    await ch.insert('events', [eventStoreRow({ v: ENVELOPE_SCHEMA_VERSION, ...head }, raw.toString('utf8'))]);
    await ch.insert('quarantine', [
      quarantineRow({
        instituteId: other,
        quarantineId: id,
        stage: 'projector',
        eventName: 'MeetingEndedEvent',
        receivedAtMs: receivedAt,
        reason: 'MeetingEndedEvent: internal projection error (a bug since fixed); rebuild after fixing',
        raw: raw.toString('utf8'),
        rawEncoding: 'utf8',
        source: 'an earlier projector',
      }),
    ]);
    expect(await cli(['quarantine', 'replay', '--institute', other])).toMatch(
      /^1 of 1: 1 replayed, 0 replayed before, 0 still refused, 0 not replayable, 0 did not verify$/m,
    );
    await waitUntilCommitted(env);
    expect(await storedEvents(ch, other)).toEqual({ distinct: 1, final: 1, ids: [id] });
    const projected = projectMessage({ v: ENVELOPE_SCHEMA_VERSION, ...head }, raw.toString('utf8'));
    if (projected.kind !== 'ok') throw new Error(projected.reason);
    await waitFor('the fact rows of the replayed event', async () => {
      const stored = await storedFactRows(ch, other);
      return JSON.stringify(stored) === JSON.stringify(factRowsOf(projected.rows)) ? stored : undefined;
    });
  });
});
