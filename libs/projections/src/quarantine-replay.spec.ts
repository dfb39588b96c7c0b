import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEventId, parseEnvelope } from '@wise/contracts';
import { NOT_REPLAYABLE, replayVerdict, UNVERIFIED, type InstituteStanding, type QuarantinedDelivery } from './quarantine-replay';

const FIXTURE = readFileSync(join(__dirname, '../../testing/fixtures/wise/MeetingEndedEvent.json'));
const INSTITUTE = 'acme';
const NOW = Date.UTC(2026, 11, 2);
const STANDINGS: Record<string, InstituteStanding> = { acme: 'enabled', paused: 'disabled' };
const standing = (slug: string): InstituteStanding => STANDINGS[slug] ?? 'unknown';
const verdict = (q: QuarantinedDelivery) => replayVerdict(q, standing, NOW);

const delivery = (raw: Buffer, over: Partial<QuarantinedDelivery> = {}): QuarantinedDelivery => ({
  instituteId: INSTITUTE,
  quarantineId: deriveEventId(over.instituteId ?? INSTITUTE, raw),
  stage: 'ingestion',
  receivedAtMs: 1_700_000_000_123,
  raw: raw.toString('utf8'),
  rawEncoding: 'utf8',
  ...over,
});

describe('replayVerdict', () => {
  it('replays a body that passes today: the envelope ingestion would have published, with the same id and receipt time', () => {
    const v = verdict(delivery(FIXTURE));
    if (v.kind !== 'replay') throw new Error(`expected replay, got ${JSON.stringify(v)}`);
    expect(v.eventId).toBe(deriveEventId(INSTITUTE, FIXTURE));
    expect(v.eventName).toBe('MeetingEndedEvent');
    const env = parseEnvelope(v.record.value);
    if (!env.ok) throw new Error(env.reason);
    expect(env.head).toMatchObject({
      eventId: v.eventId,
      instituteId: INSTITUTE,
      eventName: 'MeetingEndedEvent',
      receivedAt: 1_700_000_000_123,
    });
    expect(env.rawBody.equals(FIXTURE)).toBe(true);
    expect(v.record.key.startsWith(`${INSTITUTE}:`)).toBe(true);
  });

  it('reads raw bytes kept as base64', () => {
    expect(verdict(delivery(FIXTURE, { raw: FIXTURE.toString('base64'), rawEncoding: 'base64' })).kind).toBe('replay');
  });

  it.each<[string, QuarantinedDelivery, string, RegExp | string]>([
    ['a body today’s contract still refuses', delivery(Buffer.from('{"event":"Nope","payload":{}}')), 'still-refused', /Nope/],
    [
      'invalid UTF-8, kept as base64',
      delivery(Buffer.from([0x7b, 0xff, 0x7d]), { raw: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), rawEncoding: 'base64' }),
      'still-refused',
      /not valid UTF-8/,
    ],
    [
      'no institute (a Kafka message without an envelope)',
      delivery(FIXTURE, { instituteId: '' }),
      'not-replayable',
      NOT_REPLAYABLE.noInstitute,
    ],
    [
      'a refused ClickHouse row, not the body',
      delivery(Buffer.from('{"event_id":"x"}'), { quarantineId: 'x', stage: 'projector' }),
      'unverified',
      UNVERIFIED.notTheBody,
    ],
    [
      'raw bytes changed after the id was derived',
      delivery(FIXTURE, { raw: FIXTURE.toString('utf8') + ' ' }),
      'unverified',
      UNVERIFIED.notTheBody,
    ],
    [
      'another institute put on a body (its id no longer matches)',
      { ...delivery(FIXTURE), instituteId: 'paused' },
      'unverified',
      UNVERIFIED.notTheBody,
    ],
    [
      'an institute PostgreSQL does not know, with an id made to match',
      delivery(FIXTURE, { instituteId: 'ghost' }),
      'unverified',
      UNVERIFIED.unknownInstitute('ghost'),
    ],
    ['a disabled institute', delivery(FIXTURE, { instituteId: 'paused' }), 'unverified', UNVERIFIED.disabledInstitute('paused')],
    [
      'a receipt time in 2100 (it would lead "latest" forever)',
      delivery(FIXTURE, { receivedAtMs: Date.UTC(2100, 0, 1) }),
      'unverified',
      /receipt time is more than 45 days in the future/,
    ],
    ['a receipt time of 0', delivery(FIXTURE, { receivedAtMs: 0 }), 'unverified', /receipt time is before 2000-01-01/],
  ])('%s', (_case, q, kind, reason) => {
    const v = verdict(q);
    expect(v.kind).toBe(kind);
    if (v.kind !== 'replay') expect(v.reason).toMatch(reason);
  });
});
