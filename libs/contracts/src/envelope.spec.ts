import {
  capText,
  deriveEventId,
  kafkaKey,
  MAX_QUARANTINE_NAME_CHARS,
  parseEnvelope,
  serializeEnvelope,
  serializeQuarantine,
} from './envelope';
import { parseWiseBody } from './events';
import { maxRecordBytes } from './record-size';

const head = {
  eventId: 'e1',
  instituteId: 'acme',
  eventName: 'FeePaymentCompletedEvent',
  receivedAt: 1715068129000,
  occurredAt: null,
  sessionId: null,
  classroomId: 'c1',
  userId: 'u1',
};

describe('envelope', () => {
  it('keeps the raw body byte for byte and reads the head back', () => {
    const raw = Buffer.from('{ "event" : "FeePaymentCompletedEvent",\n "payload": {"note": ",\\"body\\":"} }');
    const parsed = parseEnvelope(serializeEnvelope(head, raw));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.rawBody.equals(raw)).toBe(true);
    expect(parsed.head).toEqual({ v: 1, ...head });
  });

  it('writes multi-byte head text and body exactly (the envelope is one buffer sized in bytes)', () => {
    const raw = Buffer.from('{"event":"FeePaymentCompletedEvent","payload":{"name":"Zoë 学校 🎓"}}');
    const value = serializeEnvelope({ ...head, classroomId: 'clé-🎓', userId: 'ü' }, raw);
    expect(value.toString('utf8')).toBe(
      `${JSON.stringify({ v: 1, ...head, classroomId: 'clé-🎓', userId: 'ü' }).slice(0, -1)},"body":${raw.toString('utf8')}}`,
    );
  });

  it('is not fooled by a head string that looks like the body marker', () => {
    const tricky = { ...head, eventName: 'x,"body":y' };
    const parsed = parseEnvelope(serializeEnvelope(tricky, Buffer.from('{}')));
    expect(parsed.ok && parsed.head.eventName).toBe('x,"body":y');
  });

  it.each([
    [null, /empty Kafka message/],
    [Buffer.from('not json'), /no body field/],
    [Buffer.from('{"v":2,"eventId":"e","instituteId":"i","eventName":"n","receivedAt":1,"body":{}}'), /unsupported envelope version 2/],
    [Buffer.from('{"v":1,"instituteId":"i","eventName":"n","receivedAt":1,"body":{}}'), /eventId is missing/],
    [Buffer.from('{"v":1,"eventId":"e","instituteId":"i","eventName":"n","body":{}}'), /receivedAt is missing/],
    [Buffer.from('{"v":1,"eventId":"e","instituteId":"i","eventName":"n","receivedAt":1718361129681.3538,"body":{}}'), /not epoch ms/],
  ])('refuses a bad envelope with a reason (%#)', (value, reason) => {
    const parsed = parseEnvelope(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('derives the same id for the same delivery, another for another institute or body', () => {
    const body = Buffer.from('{"event":"X","payload":{}}');
    expect(deriveEventId('acme', body)).toBe(deriveEventId('acme', Buffer.from(body)));
    expect(deriveEventId('acme', body)).not.toBe(deriveEventId('other', body));
    expect(deriveEventId('acme', body)).not.toBe(deriveEventId('acme', Buffer.from('{"event":"X","payload":{} }')));
    expect(deriveEventId('acme', body)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps undecodable bytes of a quarantined body as base64', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x41]);
    const q = JSON.parse(
      serializeQuarantine({ eventId: 'e', instituteId: 'acme', eventName: null, receivedAt: 1, reason: 'r' }, raw).toString(),
    );
    expect(q.rawEncoding).toBe('base64');
    expect(Buffer.from(q.raw, 'base64').equals(raw)).toBe(true);
  });

  describe('a quarantine record of any body up to the limit fits in maxRecordBytes', () => {
    const LIMIT = 1024 * 1024;
    /** A body of exactly LIMIT bytes whose event name is everything but the envelope. */
    const nameBody = (unit: string, unitBytes: number) => {
      const open = '{"event":"';
      const close = '","payload":{}}';
      const n = Math.floor((LIMIT - open.length - close.length) / unitBytes);
      const pad = ' '.repeat(LIMIT - open.length - close.length - n * unitBytes);
      return Buffer.from(`${open}${unit.repeat(n)}${close}${pad}`);
    };
    it.each([
      ['an unknown event name of 1 MiB', nameBody('E', 1)],
      ['an unknown event name of escaped control characters (6 bytes each, twice)', nameBody('\\u0001', 6)],
      ['an unknown event name of quotes, escaped', nameBody('\\"', 2)],
      ['an unknown event name of 4-byte characters', nameBody('🎓', 4)],
    ])('%s', (_case, raw) => {
      expect(raw.length).toBe(LIMIT);
      const parsed = parseWiseBody(raw);
      if (parsed.ok) throw new Error('expected a refusal');
      expect(parsed.reason).toMatch(/^unknown event name/);
      const value = serializeQuarantine(
        { eventId: 'e'.repeat(32), instituteId: 'i'.repeat(128), eventName: parsed.eventName, receivedAt: 1, reason: parsed.reason },
        raw,
      );
      expect(value.length).toBeLessThanOrEqual(maxRecordBytes(LIMIT));
      const q = JSON.parse(value.toString());
      expect(Buffer.from(q.raw, q.rawEncoding).equals(raw)).toBe(true);
      expect(q.eventName.length).toBeLessThanOrEqual(MAX_QUARANTINE_NAME_CHARS + 1);
      expect(q.eventName.startsWith(parsed.eventName!.slice(0, 100))).toBe(true);
    });

    it('caps the reason too', () => {
      const value = serializeQuarantine(
        { eventId: 'e', instituteId: 'i', eventName: null, receivedAt: 1, reason: 'r'.repeat(LIMIT) },
        Buffer.from('x'),
      );
      expect(value.length).toBeLessThan(4000);
    });
  });

  it('cuts text without leaving half a surrogate pair', () => {
    expect(capText('abc', 3)).toBe('abc');
    expect(capText('abcd', 3)).toBe('abc…');
    expect(capText('ab🎓d', 3)).toBe('ab…');
    expect(capText('ab🎓d', 4)).toBe('ab🎓…');
  });

  it('keys by institute and ordering entity, else by event id', () => {
    expect(kafkaKey('acme', 'session-1', 'e')).toBe('acme:session-1');
    expect(kafkaKey('acme', null, 'e')).toBe('acme:e');
  });
});
