import { deriveEventId, kafkaKey, parseEnvelope, serializeEnvelope, serializeQuarantine } from './envelope';

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

  it('keys by institute and ordering entity, else by event id', () => {
    expect(kafkaKey('acme', 'session-1', 'e')).toBe('acme:session-1');
    expect(kafkaKey('acme', null, 'e')).toBe('acme:e');
  });
});
