import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEventId, serializeEnvelope, serializeQuarantine } from '@wise/contracts';
import { projectEvents, projectKafkaBatch, type SourceMessage } from './project-batch';
import { EVENTS_TABLE, QUARANTINE_TABLE } from './projected-tables';

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'testing', 'fixtures', 'wise', `${name}.json`));
const EVENTS = 'events-topic';
const QUARANTINE = 'quarantine-topic';
let offset = 0;

const headOf = (body: Buffer, eventName: string, institute = 'acme') => ({
  eventId: deriveEventId(institute, body),
  instituteId: institute,
  eventName,
  receivedAt: 1715068129000,
  occurredAt: null,
  sessionId: null,
  classroomId: null,
  userId: null,
});

function eventMessage(body: Buffer, eventName: string, institute = 'acme'): SourceMessage {
  return { topic: EVENTS, partition: 0, offset: String(offset++), value: serializeEnvelope(headOf(body, eventName, institute), body) };
}

describe('projectKafkaBatch', () => {
  it('keeps a valid event in the event store, byte for byte, and adds its analytics rows', () => {
    const body = fixture('FeeInvoiceChargedEvent');
    const { tables, quarantined } = projectKafkaBatch([eventMessage(body, 'FeeInvoiceChargedEvent')], QUARANTINE);
    expect(quarantined).toBe(0);
    const stored = tables.get(EVENTS_TABLE)!;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      institute_id: 'acme',
      event_name: 'FeeInvoiceChargedEvent',
      schema_version: 1,
      payload: body.toString(),
      received_at: 1715068129,
      received_at_ms: 1715068129000,
    });
    expect(tables.get('invoice_events')).toHaveLength(1);
    expect(tables.has(QUARANTINE_TABLE)).toBe(false);
  });

  it.each([
    ['an empty message', { topic: EVENTS, partition: 1, offset: '7', value: null }, /empty Kafka message/],
    ['bytes that are not an envelope', { topic: EVENTS, partition: 1, offset: '8', value: Buffer.from('garbage') }, /no body field/],
  ])('quarantines %s (no identity: no events row) and projects the rest of the batch', (_case, bad, reason) => {
    const good = eventMessage(fixture('CertificateIssuedEvent'), 'CertificateIssuedEvent');
    const { tables, quarantined } = projectKafkaBatch([bad as SourceMessage, good], QUARANTINE);
    expect(quarantined).toBe(1);
    const q = tables.get(QUARANTINE_TABLE)!;
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({
      stage: 'projector',
      quarantine_id: `offset:${bad.topic}/${bad.partition}/${bad.offset}`,
      source: `${bad.topic}/${bad.partition}/${bad.offset}`,
    });
    expect(q[0].reason).toMatch(reason);
    expect(tables.get(EVENTS_TABLE)).toHaveLength(1);
    expect(tables.get('certificate_events')).toHaveLength(1);
  });

  it.each([
    [
      'a body failing its schema',
      Buffer.from('{"event":"FeePaymentCompletedEvent","payload":{}}'),
      'FeePaymentCompletedEvent',
      /^FeePaymentCompletedEvent: payload\./,
    ],
    ['an unknown event', Buffer.from('{"event":"NopeEvent","payload":{}}'), 'NopeEvent', /unknown event name "NopeEvent"/],
    [
      'an envelope naming another event than its body',
      fixture('CertificateIssuedEvent'),
      'FeePaymentCompletedEvent',
      /^FeePaymentCompletedEvent: the envelope names "FeePaymentCompletedEvent" but the body is a CertificateIssuedEvent/,
    ],
  ])('keeps %s in the event store AND quarantines it, so a rebuild after a fix brings it back', (_case, body, eventName, reason) => {
    const bad = eventMessage(body, eventName);
    const good = eventMessage(fixture('CertificateIssuedEvent'), 'CertificateIssuedEvent', 'other');
    const { tables, quarantined } = projectKafkaBatch([bad, good], QUARANTINE);
    expect(quarantined).toBe(1);
    const [q] = tables.get(QUARANTINE_TABLE)!;
    expect(q).toMatchObject({
      institute_id: 'acme',
      quarantine_id: deriveEventId('acme', body),
      stage: 'projector',
      event_name: eventName,
      raw: body.toString(),
      raw_encoding: 'utf8',
      source: `${bad.topic}/${bad.partition}/${bad.offset}`,
    });
    expect(q.reason).toMatch(reason);
    expect(tables.get(EVENTS_TABLE)!.map((r) => [r.institute_id, r.payload])).toEqual([
      ['acme', body.toString()],
      ['other', fixture('CertificateIssuedEvent').toString()],
    ]);
    expect(tables.get('certificate_events')).toHaveLength(1);
  });

  it('turns an ingestion quarantine record into a quarantine row as it is', () => {
    const value = serializeQuarantine(
      { eventId: 'q1', instituteId: 'acme', eventName: null, receivedAt: 1715068129000, reason: 'body is not valid JSON' },
      Buffer.from('{oops'),
    );
    const { tables, quarantined } = projectKafkaBatch([{ topic: QUARANTINE, partition: 0, offset: '3', value }], QUARANTINE);
    expect(quarantined).toBe(0);
    expect(tables.get(QUARANTINE_TABLE)).toEqual([
      {
        institute_id: 'acme',
        quarantine_id: 'q1',
        stage: 'ingestion',
        event_name: '',
        received_at: 1715068129,
        received_at_ms: 1715068129000,
        reason: 'body is not valid JSON',
        raw: '{oops',
        raw_encoding: 'utf8',
        source: `${QUARANTINE}/0/3`,
      },
    ]);
  });

  it.each([
    ['a null value', null],
    ['JSON null', Buffer.from('null')],
    ['fields of the wrong types', Buffer.from('{"instituteId":5,"eventId":{},"reason":[1],"raw":{"x":1},"receivedAt":"soon"}')],
    ['bytes that are not JSON', Buffer.from('not json')],
  ])('turns a malformed quarantine record (%s) into a row of strings, never an error', (_case, value) => {
    const { tables } = projectKafkaBatch([{ topic: QUARANTINE, partition: 2, offset: '9', value }], QUARANTINE);
    const [row] = tables.get(QUARANTINE_TABLE)!;
    for (const column of ['institute_id', 'quarantine_id', 'stage', 'event_name', 'reason', 'raw', 'raw_encoding', 'source'])
      expect(typeof row[column]).toBe('string');
    expect(row).toMatchObject({ quarantine_id: `offset:${QUARANTINE}/2/9`, received_at_ms: 0, source: `${QUARANTINE}/2/9` });
    expect(row.reason).not.toBe('');
  });

  it.each([
    ['a session title', 'SessionsCreatedEvent', 'Physics Class 10 - Evening Batch', 'session_events', 'title'],
    ['a participant name', 'ParticipantJoinedMeetingEvent', null, 'participant_events', 'user_name'],
  ])(
    'projects %s cut mid-emoji (a lone surrogate) with U+FFFD, and keeps the body byte for byte in events',
    (_c, name, replace, table, column) => {
      const original = fixture(name).toString();
      // A JSON "\ud83d" escape: JSON.parse gives a lone high surrogate, which ClickHouse cannot store.
      const body = Buffer.from(
        replace ? original.replace(replace, 'Physics \\ud83d') : original.replace(/"user_name": "[^"]*"/, '"user_name": "Physics \\ud83d"'),
      );
      expect(body.toString()).toContain('Physics \\ud83d');
      const { tables, quarantined } = projectKafkaBatch([eventMessage(body, name)], QUARANTINE);
      expect(quarantined).toBe(0);
      expect(tables.get(EVENTS_TABLE)![0].payload).toBe(body.toString());
      const values = tables.get(table)!.map((r) => r[column]);
      expect(values.length).toBeGreaterThan(0);
      expect(values).toContain('Physics \ufffd');
      // Well-formed: survives a round trip through UTF-8 unchanged.
      const strings = [...tables.values()].flatMap((rows) => rows.flatMap((r) => Object.values(r).filter((v) => typeof v === 'string')));
      for (const v of strings) expect(Buffer.from(v, 'utf8').toString('utf8')).toBe(v);
    },
  );

  it('stores an event whose envelope head carries a lone surrogate (a session id from the body), with U+FFFD in that column', () => {
    const body = fixture('CertificateIssuedEvent');
    const head = { ...headOf(body, 'CertificateIssuedEvent'), sessionId: 'S\ud83d' };
    const m = { topic: EVENTS, partition: 0, offset: String(offset++), value: serializeEnvelope(head, body) };
    const [row] = projectKafkaBatch([m], QUARANTINE).tables.get(EVENTS_TABLE)!;
    expect(row).toMatchObject({ session_id: 'S\ufffd', payload: body.toString() });
  });

  it('gives the same rows for the same message, so a replayed batch writes what it wrote before', () => {
    const m = eventMessage(fixture('ParticipantJoinedMeetingEvent'), 'ParticipantJoinedMeetingEvent');
    expect(projectKafkaBatch([m], QUARANTINE).tables).toEqual(projectKafkaBatch([m], QUARANTINE).tables);
  });
});

describe('projectEvents', () => {
  it('without the event store (the rebuild reads it) gives the same fact rows as the live path', () => {
    const body = fixture('SessionsCreatedEvent');
    const live = projectKafkaBatch([eventMessage(body, 'SessionsCreatedEvent')], QUARANTINE).tables;
    const rebuilt = projectEvents(
      [{ head: { v: 1, ...headOf(body, 'SessionsCreatedEvent') }, rawBody: body.toString(), source: 'rebuild' }],
      { eventStore: false },
    ).tables;
    expect(rebuilt.has(EVENTS_TABLE)).toBe(false);
    expect(rebuilt.get('session_events')).toEqual(live.get('session_events'));
  });
});
