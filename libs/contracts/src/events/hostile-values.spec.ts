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
