import { deriveEventId } from '@wise/contracts';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { quarantineRow, UNVERIFIED } from '@wise/projections';
import { InstitutesRepository } from '@wise/postgres';
import { fixtureBytes, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, withRepository } from '../helpers';
import { clickhouseOf, dropDatabase, runCli } from '../projector/harness';

// `quarantine replay` publishes only what it can re-verify, never the columns ClickHouse hands back
// as they are: rows written into the quarantine table by something other than ingestion (anyone
// with write access to ClickHouse) are refused, each with its reason, and counted.
const env = testEnv();
const kafka = new KafkaConnection({
  brokers: env.KAFKA_BROKERS!.split(','),
  clientId: 'replay-verify-test',
  logger: new Logger('test', 'error'),
});
const known = uniqueSlug('verify');
const paused = uniqueSlug('verify-off');
const ghost = uniqueSlug('verify-ghost');
const receivedAt = Date.now() - 3_600_000;

/** A quarantine row as ingestion writes it for `institute` and `raw`, with `over` tampered in. */
function row(institute: string, raw: Buffer, over: { raw?: Buffer; quarantineId?: string; receivedAtMs?: number } = {}) {
  return quarantineRow({
    instituteId: institute,
    quarantineId: over.quarantineId ?? deriveEventId(institute, raw),
    stage: 'ingestion',
    eventName: 'x',
    receivedAtMs: over.receivedAtMs ?? receivedAt,
    reason: 'refused by an earlier contract',
    raw: (over.raw ?? raw).toString('utf8'),
    rawEncoding: 'utf8',
    source: 'test',
  });
}

const eventsTopicEnd = async () =>
  (await kafka.withAdmin((a) => a.fetchTopicOffsets(env.KAFKA_EVENTS_TOPIC!))).reduce((n, p) => n + Number(p.high), 0);

describe('quarantine replay re-verifies every row it would publish', () => {
  const ch = clickhouseOf(env);
  const invoice = fixtureBytes('FeeInvoiceChargedEvent');
  const payment = fixtureBytes('FeePaymentCompletedEvent');
  const meeting = fixtureBytes('MeetingEndedEvent');
  const recording = fixtureBytes('RecordingCompletedEvent');
  const certificate = fixtureBytes('CertificateIssuedEvent');
  const roster = fixtureBytes('StudentAddedToClassroomEvent');
  // The amount changed after the row was stored; the id is still the delivered body's.
  const inflated = Buffer.from(invoice.toString('utf8').replace('"value": 10000', '"value": 1000000'));
  const refused = {
    altered: row(known, invoice, { raw: inflated }),
    moved: row(known, payment, { quarantineId: deriveEventId(paused, payment) }),
    ghost: row(ghost, meeting),
    disabled: row(paused, recording),
    future: row(known, certificate, { receivedAtMs: Date.UTC(2100, 0, 1) }),
  };

  beforeAll(async () => {
    // The operator's migrate sets up both databases: PostgreSQL and this test's ClickHouse one.
    const migrated = await runCli(env, ['migrate']);
    expect([migrated.code, migrated.stderr]).toEqual([0, '']);
    expect(migrated.stdout).toMatch(/^ClickHouse migrations applied$/m);
    await addInstitute(env, known, 'verify-key-0123456789abcdef');
    await addInstitute(env, paused, 'verify-off-key-0123456789abcdef');
    await withRepository(env, (repo: InstitutesRepository) => repo.setEnabled(paused, false));
    await kafka.ensureTopics([{ topic: env.KAFKA_EVENTS_TOPIC!, partitions: 3, replicationFactor: 1 }]);
    expect(inflated.equals(invoice)).toBe(false);
    await ch.insert('quarantine', [...Object.values(refused), row(known, roster)]);
  });
  afterAll(() => dropDatabase(ch));

  it('refuses each tampered row with its reason, counts them, and publishes only the row that verifies', async () => {
    const end = await eventsTopicEnd();
    const r = await runCli(env, ['quarantine', 'replay']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const named = (q: Record<string, unknown>, reason: string) =>
      `did not verify: ${String(q.institute_id)} ingestion ${String(q.quarantine_id)}: ${reason}`;
    const lines = r.stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        named(refused.altered, UNVERIFIED.notTheBody),
        named(refused.moved, UNVERIFIED.notTheBody),
        named(refused.ghost, UNVERIFIED.unknownInstitute(ghost)),
        named(refused.disabled, UNVERIFIED.disabledInstitute(paused)),
        named(refused.future, UNVERIFIED.receivedAt('is more than 45 days in the future, not a plausible time')),
      ]),
    );
    expect(r.stdout).toMatch(/^done: 1 replayed, 0 replayed before, 0 still refused, 0 not replayable, 5 did not verify /m);
    expect(await eventsTopicEnd()).toBe(end + 1);
    // Nothing refused is recorded as replayed: a second run refuses the same rows again.
    const again = await runCli(env, ['quarantine', 'replay']);
    expect(again.stdout).toMatch(/^done: 0 replayed, 1 replayed before, 0 still refused, 0 not replayable, 5 did not verify /m);
    expect(await eventsTopicEnd()).toBe(end + 1);
  });
});
