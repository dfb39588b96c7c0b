import { deriveEventId, generationEventId, hashInstituteKey, kafkaKey, parseEnvelope } from '@wise/contracts';
import { IngestionConfig } from '@wise/config';
import { maxRecordBytes, RecordTooLargeError, type BatchPublisher, type OutgoingMessage } from '@wise/kafka';
import { Logger, Metrics } from '@wise/observability';
import type { BodyReceipt, EventGenerationsRepository, Generation, InstitutesRepository } from '@wise/postgres';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IngestionMetrics } from '../ingestion.metrics';
import { EventIdentityService } from './event-identity.service';
import { InstituteKeysService } from './institute-keys.service';
import { RetryLaterException } from './webhook-errors';
import { WebhooksService } from './webhooks.service';

const KEY = 'acme-key-0123456789abcdef';
const config = IngestionConfig.parse({});
const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', '..', '..', '..', 'libs', 'testing', 'fixtures', 'wise', `${name}.json`));

/** Stands in for PostgreSQL: the generation each receipt gets, recorded. */
type Generations = (r: BodyReceipt) => Promise<Generation>;

/**
 * The service with a real key check, a publisher that records (or refuses) what it is given, and
 * generations from `generations` (PostgreSQL's part is tested against PostgreSQL in test/ingestion).
 */
async function setup(
  publish: (m: OutgoingMessage) => Promise<void> = async () => undefined,
  generations: Generations = async () => ({ generation: 0, started: true }),
  deadlineMs?: number,
) {
  const repository = {
    loadEnabledWithKeys: async () => [
      { slug: 'acme', name: 'Acme', keyHeader: 'x-wise-key', enabled: true, keys: [{ id: 1, ...hashInstituteKey(KEY) }] },
    ],
  } as unknown as InstitutesRepository;
  const keys = new InstituteKeysService(repository, config, new Logger('test', 'error'));
  await keys.refresh();
  const published: OutgoingMessage[] = [];
  const publisher = {
    publish: async (m: OutgoingMessage) => {
      await publish(m);
      published.push(m);
    },
  } as unknown as BatchPublisher;
  const metrics = new IngestionMetrics(new Metrics('ingestion'));
  const asked: BodyReceipt[] = [];
  const generationsRepository = {
    generationOf: (r: BodyReceipt) => {
      asked.push(r);
      return generations(r);
    },
  } as unknown as EventGenerationsRepository;
  const logger = new Logger('test', 'error');
  const identity = new EventIdentityService(generationsRepository, metrics, logger, deadlineMs);
  return { service: new WebhooksService(publisher, identity, config, metrics, logger), published, metrics, asked };
}

describe('WebhooksService.receive', () => {
  it('publishes a valid event to the events topic: envelope around the raw bytes, keyed for order', async () => {
    const { service, published } = await setup();
    const raw = fixture('StudentAddedToClassroomEvent');
    const answer = await service.receive('acme', raw);
    const eventId = deriveEventId('acme', raw);
    expect(answer).toEqual({ status: 'accepted', eventId });
    expect(published).toHaveLength(1);
    const [m] = published;
    expect(m.topic).toBe(config.KAFKA_EVENTS_TOPIC);
    const body = JSON.parse(raw.toString());
    expect(m.key).toBe(kafkaKey('acme', body.payload.classroom._id, eventId));
    const env = parseEnvelope(m.value);
    if (!env.ok) throw new Error(env.reason);
    expect(env.rawBody.equals(raw)).toBe(true);
    expect(env.head).toMatchObject({
      eventId,
      instituteId: 'acme',
      eventName: 'StudentAddedToClassroomEvent',
      classroomId: body.payload.classroom._id,
    });
  });

  it.each([
    ['a body failing its schema', Buffer.from('{"event":"FeePaymentCompletedEvent","payload":{}}'), /^FeePaymentCompletedEvent: payload\./],
    ['a body that is not JSON', Buffer.from('{oops'), /^body is not valid JSON/],
    ['an empty body', Buffer.alloc(0), /^empty body$/],
  ])('keeps %s on the quarantine topic and answers why', async (_case, raw, reason) => {
    const { service, published } = await setup();
    const answer = await service.receive('acme', raw);
    expect(answer).toEqual({ status: 'quarantined', eventId: deriveEventId('acme', raw), reason: expect.stringMatching(reason) });
    expect(published.map((m) => m.topic)).toEqual([config.KAFKA_QUARANTINE_TOPIC]);
    expect(JSON.parse(published[0].value.toString())).toMatchObject({
      instituteId: 'acme',
      eventId: deriveEventId('acme', raw),
      raw: raw.toString(),
    });
  });

  it('quarantines a body of BODY_LIMIT_BYTES that is all unknown event name in one record under the Kafka limit', async () => {
    const { service, published } = await setup();
    const shell = '{"event":"","payload":{}}';
    const raw = Buffer.from(shell.replace('""', `"${'E'.repeat(config.BODY_LIMIT_BYTES - shell.length)}"`));
    expect(raw.length).toBe(config.BODY_LIMIT_BYTES);
    expect(await service.receive('acme', raw)).toMatchObject({
      status: 'quarantined',
      reason: expect.stringMatching(/^unknown event name/),
    });
    expect(published[0].value.length + Buffer.byteLength(published[0].key)).toBeLessThanOrEqual(maxRecordBytes(config.BODY_LIMIT_BYTES));
  });

  it('does not blame Kafka for a record too large to send: its own outcome, and the error goes on to a 500', async () => {
    const { service, metrics } = await setup(async (m) => {
      throw new RecordTooLargeError(m.value.length, 10);
    });
    const error = await service.receive('acme', fixture('CertificateIssuedEvent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    const counted = await metrics.requests.get();
    expect(counted.values.map((v) => v.labels.outcome)).toEqual(['record_too_large']);
  });

  it('answers "retry later" (503) when Kafka does not take the event, never "accepted"', async () => {
    const { service, metrics } = await setup(async () => {
      throw new Error('Kafka did not acknowledge within 4000 ms');
    });
    const error = await service.receive('acme', fixture('CertificateIssuedEvent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterException);
    expect((error as RetryLaterException).getStatus()).toBe(503);
    expect((error as RetryLaterException).retryAfterSeconds).toBeGreaterThan(0);
    const counted = await metrics.requests.get();
    expect(counted.values.map((v) => v.labels.outcome)).toEqual(['kafka_unavailable']);
  });

  describe("timeless events: the id of the body's generation", () => {
    it("asks for the generation of a membership body only, and publishes under the generation's id", async () => {
      const { service, published, metrics, asked } = await setup(undefined, async () => ({ generation: 2, started: true }));
      const raw = fixture('StudentAddedToClassroomEvent');
      const answer = await service.receive('acme', raw);
      const eventId = generationEventId(deriveEventId('acme', raw), 2);
      expect(answer).toEqual({ status: 'accepted', eventId });
      const env = parseEnvelope(published[0].value);
      expect(env.ok && env.head.eventId).toBe(eventId);
      const body = JSON.parse(raw.toString());
      expect(asked).toEqual([
        expect.objectContaining({
          baseId: deriveEventId('acme', raw),
          instituteId: 'acme',
          entity: JSON.stringify(['member', body.payload.classroom._id, 'student', body.payload.student._id]),
        }),
      ]);
      expect((await metrics.resentAsNewEvent.get()).values).toEqual([
        expect.objectContaining({ labels: { event: 'StudentAddedToClassroomEvent' }, value: 1 }),
      ]);
      // An event with a time of its own never asks: its copies are always retries.
      await service.receive('acme', fixture('CertificateIssuedEvent'));
      expect(asked).toHaveLength(1);
    });

    it.each([
      ['the first receipt of a body', { generation: 0, started: true }],
      ['a retry of a later generation', { generation: 1, started: false }],
    ])('does not count %s as a new event', async (_case, generation) => {
      const { service, metrics } = await setup(undefined, async () => generation);
      await service.receive('acme', fixture('StudentSuspensionUpdatedEvent'));
      expect((await metrics.resentAsNewEvent.get()).values.filter((v) => v.value > 0)).toEqual([]);
    });

    it.each([
      ['PostgreSQL refuses', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))],
      ['PostgreSQL does not answer within the deadline', () => new Promise<Generation>(() => undefined)],
    ])('answers 503 and publishes nothing when %s', async (_case, generations) => {
      const { service, published, metrics } = await setup(undefined, generations, 50);
      const error = await service.receive('acme', fixture('FeePaymentCompletedEvent')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryLaterException);
      expect((error as RetryLaterException).getStatus()).toBe(503);
      expect(published).toEqual([]);
      const counted = await metrics.requests.get();
      expect(counted.values.map((v) => [v.labels.event, v.labels.outcome])).toEqual([['FeePaymentCompletedEvent', 'postgres_unavailable']]);
    });
  });
});
