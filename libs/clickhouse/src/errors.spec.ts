import { classifyClickHouseError, clickhouseErrorCode } from './errors';

// Shaped like what the client rejects with: ClickHouseError (newer servers: code parsed), a plain
// Error carrying 18.16's text, Node's socket errors, and the client's own timeout.
const serverError = (code: number, text: string) => Object.assign(new Error(text), { code: String(code), type: 'X' });
const oldServerError = (code: number, name: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${name}, e.what() = DB::Exception`);
const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('clickhouseErrorCode', () => {
  it.each([
    ['a parsed code', serverError(60, 'Table x does not exist'), 60],
    ["18.16's message form", oldServerError(25, 'Cannot parse escape sequence'), 25],
    ['a newer message form', new Error('Code: 241. DB::Exception: Memory limit exceeded'), 241],
    ['a socket error', errno('ECONNREFUSED'), null],
    ['not an error', 'boom', null],
    ['null', null, null],
  ])('%s -> %p', (_case, e, code) => expect(clickhouseErrorCode(e)).toBe(code));
});

describe('classifyClickHouseError', () => {
  it.each([
    // The rows themselves: isolating them is the only way forward.
    ['a lone surrogate (25, 18.16 text)', oldServerError(25, 'Cannot parse escape sequence'), 'row'],
    ['a value out of range (321)', serverError(321, 'Value is out of range'), 'row'],
    ['a type mismatch (53)', oldServerError(53, 'Type mismatch'), 'row'],
    ['unparsable text (6)', serverError(6, 'Cannot parse text'), 'row'],
    // Later may work, for the same rows.
    ['too many parts (252)', oldServerError(252, 'Too many parts'), 'transient'],
    ['memory limit (241)', serverError(241, 'Memory limit exceeded'), 'transient'],
    ['a read-only table (242)', serverError(242, 'Table is read only'), 'transient'],
    ['connection refused', errno('ECONNREFUSED'), 'transient'],
    ['connection reset (socket hang up)', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
    ['a cause that is a network failure', new Error('request failed', { cause: errno('EHOSTUNREACH') }), 'transient'],
    ['an aborted request', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'transient'],
    ["the client's request timeout", new Error('Timeout error.'), 'transient'],
    // Neither: someone has to act (and the writer says so while it retries).
    ['a missing table (60)', oldServerError(60, 'Table wise.x does not exist'), 'other'],
    ['authentication (516)', serverError(516, 'Authentication failed'), 'other'],
    ['a message that only mentions a network word', new Error('could not ECONNREFUSED-ish'), 'other'],
    ['anything else', new Error('bug'), 'other'],
    ['not an error at all', undefined, 'other'],
  ])('%s -> %s', (_case, e, kind) => expect(classifyClickHouseError(e)).toBe(kind));

  it('stops following causes that loop', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyClickHouseError(a)).toBe('other');
  });
});
