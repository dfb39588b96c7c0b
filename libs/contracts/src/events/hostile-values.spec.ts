import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWiseBody, type ParseResult } from './parse-wise-body';
import { parseWiseTime } from './wise-time';

const FIXTURES = join(__dirname, '../../../testing/fixtures/wise');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: string): any => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const edit = (name: string, change: (b: any) => void): string => {
  const b = fixture(name);
  change(b);
  return JSON.stringify(b);
};
const reason = (r: ParseResult): string => {
  if (r.ok) throw new Error(`expected a rejection, got ok for ${r.eventName}`);
  return r.reason;
};

// Values that the tables cannot hold must be refused at the edge, never stored changed.
describe('parseWiseBody refuses values the tables cannot hold', () => {
  it('a time after 2106-02-07 (DateTime ends there) is quarantined, not wrapped around', () => {
    expect(parseWiseTime('2106-02-07T06:28:15Z')).toBe(0xffffffff * 1000);
    expect(parseWiseTime('2106-02-07T06:28:16Z')).toBeNull();
    expect(parseWiseTime('9999-12-01T00:00:00Z')).toBeNull();
    expect(parseWiseTime(4294967296)).toBeNull();
    expect(
      reason(
        parseWiseBody(
          edit('CertificateIssuedEvent', (b) => {
            b.payload.certificate.issuedOn = '9999-12-01T00:00:00Z';
          }),
        ),
      ),
    ).toBe('CertificateIssuedEvent: payload.certificate.issuedOn: expected an ISO-8601 time or an epoch number');
  });

  it('a partIndex beyond UInt32 is quarantined', () => {
    const body = (n: number) =>
      edit('RecordingCompletedEvent', (b) => {
        b.payload.recordings[0].partIndex = n;
      });
    expect(parseWiseBody(body(0xffffffff)).ok).toBe(true);
    expect(reason(parseWiseBody(body(0x100000000)))).toBe(
      'RecordingCompletedEvent: payload.recordings[0].partIndex: must be <= 4294967295',
    );
  });

  it('an amount beyond 2^53 (not exactly representable, so not storable as sent) is quarantined', () => {
    const r = parseWiseBody(
      edit('FeePaymentCompletedEvent', (b) => {
        b.payload.transaction.amount.value = 2 ** 60;
      }),
    );
    expect(reason(r)).toMatch(/^FeePaymentCompletedEvent: payload\.transaction\.amount\.value: /);
  });

  it('1e400 (Infinity once parsed) is quarantined', () => {
    const raw = JSON.stringify(fixture('RecordingCompletedEvent')).replace(/"duration":\s*[0-9.]+/, '"duration":1e400');
    expect(reason(parseWiseBody(raw))).toMatch(/payload\.recordings\[0\]\.duration: /);
  });

  it('ids longer than 128 characters are quarantined (they become Kafka and ORDER BY keys)', () => {
    expect(
      parseWiseBody(
        edit('RecordingCompletedEvent', (b) => {
          b.payload.sessionId = 'a'.repeat(128);
        }),
      ).ok,
    ).toBe(true);
    expect(
      reason(
        parseWiseBody(
          edit('RecordingCompletedEvent', (b) => {
            b.payload.sessionId = 'a'.repeat(129);
          }),
        ),
      ),
    ).toBe('RecordingCompletedEvent: payload.sessionId: is longer than 128 characters');
    expect(
      reason(
        parseWiseBody(
          edit('StudentAddedToClassroomEvent', (b) => {
            b.payload.student._id = 'x'.repeat(5000);
          }),
        ),
      ),
    ).toMatch(/payload\.student\._id: is longer than 128/);
  });
});

describe('parseWiseBody never changes or quotes the body in its reasons', () => {
  it('invalid UTF-8 is refused with a reason instead of being replaced by U+FFFD', () => {
    const raw = Buffer.concat([
      Buffer.from('{"event":"StudentAddedToClassroomEvent","payload":{"x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    expect(reason(parseWiseBody(raw))).toBe('body is not valid UTF-8 (JSON must be UTF-8; the raw bytes are kept)');
    // A lone continuation byte, an overlong encoding and a UTF-16 surrogate encoded as UTF-8.
    for (const bad of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      expect(reason(parseWiseBody(Buffer.from([0x7b, ...bad, 0x7d])))).toMatch(/not valid UTF-8/);
    }
  });

  it.each([
    ['{"email": ann.secret@example.com}', 'unexpected character'],
    ['{"event": "x", "name": "Ann Secret', 'unterminated string'],
    ['{"a":1} trailing-secret', 'unexpected data after the JSON value at character 8'],
    ['{secret: 1}', 'expected a property name'],
    ['{"a": "\u0001secret"}', 'control character inside a string'],
    ['{"a": 1', "expected ',' or '}'"],
  ])('%j → a reason with no text from the body', (raw, kind) => {
    const r = reason(parseWiseBody(raw));
    expect(r).toMatch(/^body is not valid JSON: /);
    expect(r).toContain(kind);
    expect(r).not.toMatch(/secret|ann/i);
  });
});

describe('parseWiseBody refuses bodies that different readers would read differently', () => {
  const raw = (name: string): string => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');

  it('a repeated "event" key is refused, whichever name comes last, and no name is recorded', () => {
    const body = raw('StudentAddedToClassroomEvent').replace('{', '{"event":"MeetingStartedEvent",');
    const r = parseWiseBody(body);
    expect(reason(r)).toBe('key "event" appears more than once in the body (JSON readers disagree on which value counts)');
    expect(!r.ok && r.eventName).toBeNull();
  });

  it('a repeated key deep in the payload is refused, named with where it is, and the event name kept', () => {
    const body = raw('SessionsCreatedEvent').replace('"title":', '"classId": "665f1c2a9b1e4a0012345699", "title":');
    const r = parseWiseBody(body);
    expect(reason(r)).toBe('key "classId" appears more than once in payload.sessions[0] (JSON readers disagree on which value counts)');
    expect(!r.ok && r.eventName).toBe('SessionsCreatedEvent');
  });

  it('a key repeated through a \\u escape is the same key', () => {
    const body = raw('FeePaymentCompletedEvent').replace('"value":', '"\\u0076alue": 1, "value":');
    expect(reason(parseWiseBody(body))).toMatch(/^key "value" appears more than once in payload\.transaction\.amount /);
  });

  it('the same key in sibling objects, or a key-like text inside a string, is no repeat', () => {
    const body = edit('StudentAddedToClassroomEvent', (b) => {
      b.payload.note = '{"event":"x","event":"y"}: "_id": "_id":';
    });
    expect(parseWiseBody(body).ok).toBe(true);
  });
});

describe('parseWiseBody refuses implausible times and currency codes', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const iso = (ms: number) => new Date(ms).toISOString();

  it.each([
    ['the year 2100', '2100-01-01T00:00:00Z', /issuedOn: is more than 45 days in the future/],
    ['46 days ahead', iso(Date.now() + 46 * DAY), /issuedOn: is more than 45 days in the future/],
    ['1999-12-31', '1999-12-31T23:59:59Z', /issuedOn: is before 2000-01-01/],
    ['epoch 1 (a second)', 1, /issuedOn: is before 2000-01-01/],
    ['epoch 1 as a digit string', '1', /issuedOn: is before 2000-01-01/],
  ])('a time something happened: %s is quarantined', (_case, value, why) => {
    const body = edit('CertificateIssuedEvent', (b) => {
      b.payload.certificate.issuedOn = value;
    });
    expect(reason(parseWiseBody(body))).toMatch(why);
  });

  it('a time something happened may be weeks ahead (the simulator sends its weeks from next Monday)', () => {
    const body = edit('CertificateIssuedEvent', (b) => {
      b.payload.certificate.issuedOn = iso(Date.now() + 44 * DAY);
    });
    expect(parseWiseBody(body).ok).toBe(true);
    expect(parseWiseBody(edit('CertificateIssuedEvent', (b) => (b.payload.certificate.issuedOn = '2000-01-01T00:00:00Z'))).ok).toBe(true);
  });

  it('an epoch 1 join time (what "unset" looks like) is quarantined, not a meeting in 1970', () => {
    const body = edit('ParticipantJoinedMeetingEvent', (b) => {
      b.payload.payload.object.participant.join_time = 1;
    });
    expect(reason(parseWiseBody(body))).toMatch(/participant\.join_time: is before 2000-01-01/);
  });

  it('a planned time (a scheduled start, a due date) may be any time after 2000 that DateTime holds', () => {
    const session = (at: string) =>
      edit('SessionsCreatedEvent', (b) => {
        b.payload.sessions[0].scheduledStartTime = at;
      });
    expect(parseWiseBody(session('2099-01-05T10:00:00Z')).ok).toBe(true);
    expect(reason(parseWiseBody(session('1999-01-01T00:00:00Z')))).toMatch(
      /payload\.sessions\[0\]\.scheduledStartTime: is before 2000-01-01/,
    );
    const due = (at: string) =>
      edit('FeeInvoiceChargedEvent', (b) => {
        b.payload.transaction.metadata.dueOn = at;
      });
    expect(parseWiseBody(due('2040-01-01')).ok).toBe(true);
    expect(reason(parseWiseBody(due('1')))).toMatch(/metadata\.dueOn: is before 2000-01-01/);
  });

  it.each([['inr'], ['RUPEE'], ['₹'], [''], ['US'], ['USD ']])('currency %j is quarantined', (currency) => {
    const body = edit('FeePaymentCompletedEvent', (b) => {
      b.payload.transaction.amount.currency = currency;
    });
    expect(reason(parseWiseBody(body))).toBe(
      'FeePaymentCompletedEvent: payload.transaction.amount.currency: expected a 3-letter ISO 4217 currency code such as "INR"',
    );
  });

  it('currency USD is accepted', () => {
    const body = edit('FeePaymentCompletedEvent', (b) => {
      b.payload.transaction.amount.currency = 'USD';
    });
    expect(parseWiseBody(body).ok).toBe(true);
  });
});
