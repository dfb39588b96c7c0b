import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEventId, serializeEnvelope, serializeQuarantine } from '@wise/contracts';
import { EVENTS_TABLE, projectBatch, QUARANTINE_TABLE, SourceMessage } from './project-batch';

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', '..', '..', 'libs', 'testing', 'fixtures', 'wise', `${name}.json`));
const EVENTS = 'events-topic';
const QUARANTINE = 'quarantine-topic';
let offset = 0;

function eventMessage(body: Buffer, eventName: string, institute = 'acme'): SourceMessage {
  const head = { eventId: deriveEventId(institute, body), instituteId: institute, eventName, receivedAt: 1715068129000, occurredAt: null, sessionId: null, classroomId: null, userId: null };
  return { topic: EVENTS, partition: 0, offset: String(offset++), value: serializeEnvelope(head, body) };
}

describe('projectBatch', () => {
  it('keeps a valid event in the event store, byte for byte, and adds its analytics rows', () => {
    const body = fixture('FeeInvoiceChargedEvent');
    const { tables, quarantined } = projectBatch([eventMessage(body, 'FeeInvoiceChargedEvent')], QUARANTINE);
    expect(quarantined).toBe(0);
    const stored = tables.get(EVENTS_TABLE)!;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ institute_id: 'acme', event_name: 'FeeInvoiceChargedEvent', payload: body.toString(), received_at: 1715068129, received_at_ms: 1715068129000 });
    expect(tables.get('invoice_events')).toHaveLength(1);
    expect(tables.has(QUARANTINE_TABLE)).toBe(false);
  });

  it.each([
    ['an empty message', { topic: EVENTS, partition: 1, offset: '7', value: null }, /empty Kafka message/],
    ['bytes that are not an envelope', { topic: EVENTS, partition: 1, offset: '8', value: Buffer.from('garbage') }, /no body field/],
    ['a body failing its schema', eventMessage(Buffer.from('{"event":"FeePaymentCompletedEvent","payload":{}}'), 'FeePaymentCompletedEvent'), /FeePaymentCompletedEvent: payload\./],
    ['an unknown event', eventMessage(Buffer.from('{"event":"NopeEvent","payload":{}}'), 'NopeEvent'), /unknown event name "NopeEvent"/],
    ['an envelope naming another event than its body', eventMessage(fixture('CertificateIssuedEvent'), 'FeePaymentCompletedEvent'), /FeePaymentCompletedEvent: /],
  ])('quarantines %s with a reason and its source, and projects the rest of the batch', (_case, bad, reason) => {
    const good = eventMessage(fixture('CertificateIssuedEvent'), 'CertificateIssuedEvent');
    const { tables, quarantined } = projectBatch([bad as SourceMessage, good], QUARANTINE);
    expect(quarantined).toBe(1);
    const q = tables.get(QUARANTINE_TABLE)!;
    expect(q).toHaveLength(1);
    expect(q[0].stage).toBe('projector');
    expect(q[0].reason).toMatch(reason);
    expect(q[0].source).toBe(`${bad.topic}/${bad.partition}/${bad.offset}`);
    expect(tables.get(EVENTS_TABLE)).toHaveLength(1);
    expect(tables.get('certificate_events')).toHaveLength(1);
  });

  it('turns an ingestion quarantine record into a quarantine row as it is', () => {
    const value = serializeQuarantine({ eventId: 'q1', instituteId: 'acme', eventName: null, receivedAt: 1715068129000, reason: 'body is not valid JSON' }, Buffer.from('{oops'));
    const { tables } = projectBatch([{ topic: QUARANTINE, partition: 0, offset: '3', value }], QUARANTINE);
    expect(tables.get(QUARANTINE_TABLE)).toEqual([
      { institute_id: 'acme', quarantine_id: 'q1', stage: 'ingestion', event_name: '', received_at: 1715068129, received_at_ms: 1715068129000, reason: 'body is not valid JSON', raw: '{oops', raw_encoding: 'utf8', source: `${QUARANTINE}/0/3` },
    ]);
  });

  it.each([
    ['a null value', null],
    ['JSON null', Buffer.from('null')],
    ['fields of the wrong types', Buffer.from('{"instituteId":5,"eventId":{},"reason":[1],"raw":{"x":1},"receivedAt":"soon"}')],
    ['bytes that are not JSON', Buffer.from('not json')],
  ])('turns a malformed quarantine record (%s) into a row of strings, never an error', (_case, value) => {
    const { tables } = projectBatch([{ topic: QUARANTINE, partition: 2, offset: '9', value }], QUARANTINE);
    const [row] = tables.get(QUARANTINE_TABLE)!;
    for (const column of ['institute_id', 'quarantine_id', 'stage', 'event_name', 'reason', 'raw', 'raw_encoding', 'source']) expect(typeof row[column]).toBe('string');
    expect(row).toMatchObject({ quarantine_id: `${QUARANTINE}/2/9`.replace(/^/, 'offset:'), received_at_ms: 0, source: `${QUARANTINE}/2/9` });
    expect(row.reason).not.toBe('');
  });

  it('gives the same rows for the same message, so a replayed batch writes what it wrote before', () => {
    const m = eventMessage(fixture('ParticipantJoinedMeetingEvent'), 'ParticipantJoinedMeetingEvent');
    expect(projectBatch([m], QUARANTINE).tables).toEqual(projectBatch([m], QUARANTINE).tables);
  });
});
