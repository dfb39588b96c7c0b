import { gzipSync } from 'node:zlib';
import { parseWiseBody } from '@wise/contracts';
import { fixtureBytes, fixtureNames } from '@wise/testing';

/*
 * Hostile inputs, each with the answer it must get. Hand-written cases name their expectation
 * outright; generated cases (truncations, byte flips and wrong types of every fixture) follow
 * rules that do not depend on the code under test, except wrong types, whose verdict is the
 * contract's (parseWiseBody): what that case checks is that the server answers as its contract
 * says, stores the body byte for byte, and survives.
 */

export type Expected =
  { status: 200; outcome: 'accepted' } | { status: 200; outcome: 'quarantined'; reason: RegExp } | { status: 401 | 413 | 414 | 415 | 431 };

export interface HostileInput {
  name: string;
  /** Which institute the request names: the test's own, an unknown one, or a raw path. */
  target: 'own' | 'unknown' | { path: string };
  /** Extra headers; `key: true` adds the right key in the institute's header. */
  headers: Record<string, string>;
  withKey: boolean;
  body: Buffer;
  expected: Expected;
}

const accepted: Expected = { status: 200, outcome: 'accepted' };
const quarantined = (reason: RegExp): Expected => ({ status: 200, outcome: 'quarantined', reason });
const b = (s: string): Buffer => Buffer.from(s);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: string): any => JSON.parse(fixtureBytes(name).toString());
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const edited = (name: string, change: (x: any) => void): Buffer => {
  const x = fixture(name);
  change(x);
  return b(JSON.stringify(x));
};
const ok = (body: Buffer, name: string, extra: Partial<HostileInput> = {}): HostileInput => ({
  name,
  target: 'own',
  headers: {},
  withKey: true,
  body,
  expected: accepted,
  ...extra,
});
const bad = (body: Buffer, name: string, reason: RegExp): HostileInput => ({
  name,
  target: 'own',
  headers: {},
  withKey: true,
  body,
  expected: quarantined(reason),
});

export function handWritten(bodyLimit: number): HostileInput[] {
  const sample = fixtureBytes('StudentAddedToClassroomEvent');
  const deep = (n: number) => b(`{"event":"StudentAddedToClassroomEvent","payload":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`);
  return [
    // Not authenticated: 401, nothing stored.
    { ...ok(sample, 'wrong key'), withKey: false, headers: { 'x-wise-key': 'wrong-key-0123456789abcdef' }, expected: { status: 401 } },
    { ...ok(sample, 'no key'), withKey: false, expected: { status: 401 } },
    {
      ...ok(sample, 'key in a header that is not the pinned one'),
      withKey: false,
      headers: { authorization: 'HOSTILE-KEY' },
      expected: { status: 401 },
    },
    { ...ok(sample, 'unknown institute'), target: 'unknown', expected: { status: 401 } },
    { ...ok(sample, 'path traversal in the slug'), target: { path: '/webhooks/wise/..%2f..%2fetc%2fpasswd' }, expected: { status: 401 } },
    { ...ok(sample, 'slug of 5000 characters'), target: { path: `/webhooks/wise/${'a'.repeat(5000)}` }, expected: { status: 414 } },
    { ...ok(sample, 'SQL in the slug'), target: { path: "/webhooks/wise/x'%3BDROP%20TABLE%20events--" }, expected: { status: 401 } },
    { ...ok(sample, 'no slug'), target: { path: '/webhooks/wise/' }, expected: { status: 401 } },
    {
      ...ok(sample, 'wrong key with a 2 MiB body'),
      withKey: false,
      headers: { 'x-wise-key': 'wrong-key-0123456789abcdef' },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20),
      expected: { status: 401 },
    },
    { ...ok(sample, 'headers over 16 KiB'), headers: { 'x-pad': 'p'.repeat(20000) }, expected: { status: 431 } },
    // Size and encoding.
    { ...ok(Buffer.alloc(bodyLimit + 1, 0x20), 'one byte over the limit'), expected: { status: 413 } },
    { ...ok(gzipSync(sample), 'gzip with Content-Encoding'), headers: { 'content-encoding': 'gzip' }, expected: { status: 415 } },
    { ...ok(sample, 'deflate declared'), headers: { 'content-encoding': 'deflate' }, expected: { status: 415 } },
    bad(gzipSync(sample), 'gzip without Content-Encoding', /not valid UTF-8|not valid JSON/),
    // A malformed Content-Type is no reason to lose an authenticated body: the bytes are judged.
    ...['json', '', 'application/json, text/plain', ';', 'multipart/form-data; boundary='].flatMap((type): HostileInput[] => [
      {
        ...ok(b(sample.toString().replace('{', `{"ct":${JSON.stringify(type)},`)), `Content-Type ${JSON.stringify(type)}`),
        headers: { 'content-type': type },
      },
      {
        ...bad(b(`not JSON, Content-Type ${JSON.stringify(type)}`), `not JSON with Content-Type ${JSON.stringify(type)}`, /not valid JSON/),
        headers: { 'content-type': type },
      },
    ]),
    // Not JSON, or not a Wise body.
    bad(b(''), 'empty body', /empty body/),
    bad(b('{"event":'), 'cut JSON', /not valid JSON/),
    bad(b('[]'), 'an array', /not a JSON object/),
    bad(b('null'), 'null', /not a JSON object/),
    bad(b('{"event":"DropTablesEvent","payload":{}}'), 'unknown event', /unknown event name/),
    bad(b('{"event":"StudentAddedToClassroomEvent"}'), 'no payload', /no "payload"/),
    bad(b('{"payload":{}}'), 'no event', /no "event"/),
    bad(b(`{"event":"${'E'.repeat(100000)}","payload":{}}`), 'event name of 100k characters', /unknown event name/),
    bad(b(`{"event":"${'E'.repeat(bodyLimit - 25)}","payload":{}}`), 'unknown event name filling the body limit', /unknown event name/),
    bad(b('\u0000{"event":"x"}'), 'raw NUL byte', /not valid JSON/),
    bad(
      Buffer.concat([b('{"event":"StudentAddedToClassroomEvent","payload":{"x":"'), Buffer.from([0xff, 0xfe]), b('"}}')]),
      'invalid UTF-8',
      /not valid UTF-8/,
    ),
    bad(Buffer.from(JSON.stringify(fixture('StudentAddedToClassroomEvent')), 'utf16le'), 'UTF-16', /not valid/),
    bad(deep(10000), '10,000 levels deep', /nests deeper than 64|not valid JSON/),
    bad(deep(100), '100 levels deep', /nests deeper than 64/),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.extra = JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`);
      }),
      '40 levels deep in an unknown field',
    ),
    ok(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sample]), 'byte-order mark'),
    ok(b(sample.toString().replace('{', '{"__proto__":{"polluted":true},')), '__proto__ key'),
    ok(b(sample.toString().replace('{', '{"constructor":{"prototype":{"x":1}},')), 'constructor.prototype key'),
    // Repeated keys: JavaScript reads the last value, ClickHouse's JSON functions the first.
    bad(
      b(sample.toString().replace('{', '{"event":"MeetingStartedEvent",')),
      'duplicate "event" key',
      /key "event" appears more than once in the body/,
    ),
    bad(
      b(sample.toString().replace('"_id"', '"_id":"someone-else","_id"')),
      'duplicate "_id" key',
      /key "_id" appears more than once in payload\./,
    ),
    bad(
      b(sample.toString().replace('"name"', '"n\\u0061me":"x","name"')),
      'duplicate key spelt with a \\u escape',
      /key "name" appears more than once/,
    ),
    ok(b(sample.toString().replace('{', '{"note":"{\\"a\\":1,\\"a\\":2}",')), 'a repeated key inside a string is no repeat'),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.student.name = "Robert'); DROP TABLE events;--";
      }),
      'SQL in a name',
    ),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.student.name = 'n'.repeat(100000);
      }),
      'name of 100k characters',
    ),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.student.name = 'a\u0000b';
      }),
      'escaped NUL in a name',
    ),
    ok(b(sample.toString().replace('"name"', '"name":"\\ud800","x"')), 'lone surrogate'),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.student.name = '\u202eevil\u001b[2J';
      }),
      'bidi override and ANSI escape in a name',
    ),
    // Times and numbers the tables cannot hold.
    bad(
      edited('CertificateIssuedEvent', (x) => {
        x.payload.certificate.issuedOn = '9999-12-01T00:00:00Z';
      }),
      'year 9999',
      /issuedOn/,
    ),
    bad(
      edited('CertificateIssuedEvent', (x) => {
        x.payload.certificate.issuedOn = '1900-01-01T00:00:00Z';
      }),
      'year 1900',
      /issuedOn/,
    ),
    bad(
      edited('CertificateIssuedEvent', (x) => {
        x.payload.certificate.issuedOn = '2024-02-30';
      }),
      'February 30',
      /issuedOn/,
    ),
    // Times that parse but are not plausible (a window, not just what DateTime holds).
    bad(
      edited('CertificateIssuedEvent', (x) => {
        x.payload.certificate.issuedOn = '2100-01-01T00:00:00Z';
      }),
      'year 2100',
      /issuedOn: is more than 45 days in the future/,
    ),
    bad(
      edited('ParticipantJoinedMeetingEvent', (x) => {
        x.payload.payload.object.participant.join_time = 1;
      }),
      'epoch 1',
      /join_time: is before 2000-01-01/,
    ),
    bad(
      edited('MeetingStartedEvent', (x) => {
        x.payload.event_ts = 946684799999;
      }),
      'a millisecond before 2000',
      /event_ts: is before 2000-01-01/,
    ),
    bad(
      edited('SessionsCreatedEvent', (x) => {
        x.payload.sessions[0].scheduledStartTime = '1999-12-31T00:00:00Z';
      }),
      'a session scheduled for 1999',
      /scheduledStartTime: is before 2000-01-01/,
    ),
    ok(
      edited('SessionsCreatedEvent', (x) => {
        x.payload.sessions[0].scheduledStartTime = '2099-01-05T10:00:00Z';
      }),
      'a session scheduled for 2099 (planned times are not bounded ahead)',
    ),
    // Currency codes: ISO 4217's shape, or one currency's figures split in two.
    ...['inr', 'RUPEES', 'Rs', '₹', ''].map((currency) =>
      bad(
        edited('FeePaymentCompletedEvent', (x) => {
          x.payload.transaction.amount.currency = currency;
        }),
        `currency ${JSON.stringify(currency)}`,
        /amount\.currency: expected a 3-letter ISO 4217 currency code/,
      ),
    ),
    bad(
      edited('ParticipantJoinedMeetingEvent', (x) => {
        x.payload.payload.object.participant.join_time = -1;
      }),
      'negative epoch',
      /join_time/,
    ),
    bad(
      edited('ParticipantJoinedMeetingEvent', (x) => {
        x.payload.payload.object.participant.join_time = 'NaN';
      }),
      'NaN as a time',
      /join_time/,
    ),
    bad(
      edited('RecordingCompletedEvent', (x) => {
        x.payload.recordings[0].partIndex = 2 ** 32;
      }),
      'partIndex beyond UInt32',
      /partIndex/,
    ),
    bad(
      edited('FeePaymentCompletedEvent', (x) => {
        x.payload.transaction.amount.value = 2 ** 60;
      }),
      'amount beyond 2^53',
      /amount\.value/,
    ),
    bad(b(JSON.stringify(fixture('RecordingCompletedEvent')).replace(/"duration":\s*[0-9.]+/, '"duration":1e400')), '1e400', /duration/),
    ok(b(JSON.stringify(fixture('RecordingCompletedEvent')).replace(/"partIndex":\s*0/, '"partIndex":-0')), '-0 as partIndex'),
    bad(
      edited('FeePaymentCompletedEvent', (x) => {
        x.payload.transaction.amount.value = 'NaN';
      }),
      'NaN as a string amount',
      /amount\.value/,
    ),
    bad(
      edited('FeePaymentCompletedEvent', (x) => {
        x.payload.transaction.amount.value = 'Infinity';
      }),
      'Infinity as a string amount',
      /amount\.value/,
    ),
    bad(
      edited('FeePaymentCompletedEvent', (x) => {
        x.payload.transaction.amount.value = '-0';
      }),
      '-0 as a string amount',
      /amount\.value/,
    ),
    // Ids and arrays.
    bad(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.student._id = 'i'.repeat(129);
      }),
      'id of 129 characters',
      /longer than 128/,
    ),
    bad(
      edited('SessionsCreatedEvent', (x) => {
        x.payload.sessions = [];
      }),
      'empty sessions array',
      /sessions/,
    ),
    ok(
      edited('SessionsCreatedEvent', (x) => {
        x.payload.sessions = Array.from({ length: 20000 }, (_, i) => ({ _id: `s${i}`, classId: 'c' }));
      }),
      '20,000 sessions',
    ),
    ok(
      edited('StudentAddedToClassroomEvent', (x) => {
        x.payload.extra = new Array(200000).fill(0);
      }),
      '200,000 numbers in an unknown field',
    ),
    bad(
      edited('SessionsCreatedEvent', (x) => {
        x.payload.sessions = Array.from({ length: 5000 }, () => 1);
      }),
      '5,000 numbers as sessions',
      /sessions\[0\]/,
    ),
  ];
}

/** Every leaf of a JSON value, as a path of keys and indexes. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [path];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v as Record<string, unknown>);
  return entries.flatMap(([k, x]) => leaves(x, [...path, k]));
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let at = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
}

export function generated(): HostileInput[] {
  const out: HostileInput[] = [];
  for (const name of fixtureNames()) {
    const raw = fixtureBytes(name);
    const end = raw.lastIndexOf('}');
    // Truncations: no strict prefix of an object before its closing brace is JSON.
    for (const cut of [1, Math.floor(end / 3), Math.floor(end / 2), end]) {
      out.push(bad(raw.subarray(0, cut), `${name} cut to ${cut} bytes`, /not valid JSON/));
    }
    // Byte flips: the top bit set on an ASCII byte can never leave valid UTF-8.
    for (const at of [0, Math.floor(end / 4), Math.floor(end / 2), end - 1]) {
      const flipped = Buffer.from(raw);
      flipped[at] ^= 0x80;
      out.push(bad(flipped, `${name} byte ${at} flipped`, /not valid UTF-8/));
    }
    // Wrong types in every field: the contract's verdict, and a quarantine reason naming the field.
    const value = JSON.parse(raw.toString());
    for (const path of leaves(value)) {
      if (path[0] === 'event') continue;
      const original = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], value);
      const wrong =
        typeof original === 'string'
          ? 12345
          : typeof original === 'number'
            ? String(original)
            : typeof original === 'boolean'
              ? 'true'
              : { wrong: true };
      const copy = JSON.parse(raw.toString());
      setAt(copy, path, wrong);
      const body = b(JSON.stringify(copy));
      const verdict = parseWiseBody(body);
      const field = path
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .slice(1)
        .replace(/\.\[/g, '[');
      out.push({
        ...ok(body, `${name}: ${field} as ${typeof wrong === 'object' ? 'an object' : typeof wrong}`),
        expected: verdict.ok ? accepted : quarantined(new RegExp(field.replace(/[.[\]]/g, '\\$&').replace(/\\\[\d+\\\]/g, '\\[\\d+\\]'))),
      });
    }
  }
  return out;
}
