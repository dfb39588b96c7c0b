import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WISE_EVENT_NAMES, type WiseEventName } from './event-names';
import { parseWiseBody, type ParseResult } from './parse-wise-body';
import { WISE_EVENT_SCHEMAS } from './wise-event-schemas';

const FIXTURES = join(__dirname, '../../../testing/fixtures/wise');
const rawFixture = (name: WiseEventName): string => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');

// Written as JSON text on purpose: in an object literal `__proto__` would set the prototype
// instead of creating the own key that JSON.parse creates.
const POISON = '"__proto__": {"polluted": "yes", "sessionId": 5, "_id": 5}, "constructor": {"prototype": {"polluted": "yes"}}';

/** The fixture with POISON inserted into its first `"payload": {` and at the top level. */
function poisoned(name: WiseEventName): string {
  return rawFixture(name).replace('"payload": {', `"payload": {${POISON}, `).replace(/^\{/, `{${POISON}, `);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (v: unknown): any => v;

function comparable(r: ParseResult): unknown {
  return r.ok ? { ok: true, eventName: r.eventName, links: r.links, orderingEntity: r.orderingEntity } : r;
}

afterEach(() => {
  // A leak would make every later test meaningless; fail loudly where it happens.
  expect(loose({}).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});

describe('bodies with "__proto__" and "constructor" keys', () => {
  it.each(WISE_EVENT_NAMES.map((n) => [n]))('%s: parses as without them and pollutes nothing', (name) => {
    const clean = parseWiseBody(rawFixture(name));
    const dirty = parseWiseBody(poisoned(name));
    expect(loose({}).polluted).toBeUndefined();
    expect(comparable(dirty)).toEqual(comparable(clean));
  });

  it('gives the parsed body no inherited properties, and keeps the keys as own data', () => {
    const r = parseWiseBody(poisoned('MeetingStartedEvent'));
    if (!r.ok) throw new Error(r.reason);
    const body = loose(r.body);
    for (const o of [body, body.payload]) {
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(o.polluted).toBeUndefined();
      expect(Object.hasOwn(o, '__proto__')).toBe(true);
      expect(Object.hasOwn(o, 'constructor')).toBe(true);
    }
    expect(body.payload.sessionId).toBe('665f1c2a9b1e4a00123456a1');
  });

  it('a "__proto__" key cannot stand in for a missing required field', () => {
    const raw = rawFixture('MeetingStartedEvent')
      .replace(/"sessionId": "[^"]*",/, '')
      .replace('"payload": {', '"payload": {"__proto__": {"sessionId": "665f1c2a9b1e4a00123456a1"}, ');
    const r = parseWiseBody(raw);
    expect(r).toEqual({ ok: false, eventName: 'MeetingStartedEvent', reason: 'MeetingStartedEvent: payload.sessionId: is required' });
  });

  it('a "__proto__" key with bad values does not fail a valid body', () => {
    const raw = rawFixture('FeeInvoiceChargedEvent').replace(
      '"amount": {',
      '"amount": {"__proto__": {"value": "not a number", "currency": 1}, ',
    );
    expect(comparable(parseWiseBody(raw))).toEqual(comparable(parseWiseBody(rawFixture('FeeInvoiceChargedEvent'))));
  });

  it('the schemas themselves copy no "__proto__" key into their output', () => {
    const input = JSON.parse(poisoned('StudentAddedToClassroomEvent'));
    const out = loose(WISE_EVENT_SCHEMAS.StudentAddedToClassroomEvent.parse(input));
    for (const o of [out, out.payload]) {
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(o.polluted).toBeUndefined();
    }
  });
});

describe('with Object.prototype already polluted by someone else', () => {
  const keys = ['sessionId', 'updatedAt', 'userId', 'event_ts'] as const;

  beforeEach(() => {
    const values = { sessionId: 'inherited', updatedAt: '2030-01-01T00:00:00Z', userId: 'inherited', event_ts: 1 };
    for (const k of keys) {
      Object.defineProperty(Object.prototype, k, { value: values[k], configurable: true, writable: true });
    }
  });

  afterEach(() => {
    for (const k of keys) delete (Object.prototype as Record<string, unknown>)[k];
  });

  it('a missing required field is still missing', () => {
    const raw = rawFixture('MeetingStartedEvent').replace(/"sessionId": "[^"]*",/, '');
    const r = parseWiseBody(raw);
    expect(r.ok ? 'ok' : r.reason).toBe('MeetingStartedEvent: payload.sessionId: is required');
  });

  it('links never come from inherited values', () => {
    const updated = parseWiseBody(rawFixture('SessionsUpdatedEvent'));
    expect(updated.ok && updated.links).toMatchObject({ occurredAtMs: null, userId: null });
    const started = parseWiseBody(rawFixture('MeetingStartedEvent'));
    expect(started.ok && started.links).toMatchObject({ occurredAtMs: Date.parse('2024-06-04T13:30:12.345Z'), userId: null });
  });
});
