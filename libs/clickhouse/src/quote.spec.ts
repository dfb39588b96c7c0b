import { sqlIdent, sqlNumber, sqlString, sqlStringList } from './quote';

describe('sqlString', () => {
  it.each([
    ['plain', "'plain'"],
    ["o'brien", "'o\\'brien'"],
    ['back\\slash', "'back\\\\slash'"],
    ["x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ["\\' OR 1=1 --", "'\\\\\\' OR 1=1 --'"],
    ['line\nbreak\ttab\r', "'line\\nbreak\\ttab\\r'"],
    ['nul\u0000byte', "'nul\\0byte'"],
    ['bell\u0007', "'bell\\x07'"],
    ['ünïcødé ✓', "'ünïcødé ✓'"],
  ])('quotes %j', (input, expected) => {
    expect(sqlString(input)).toBe(expected);
  });
});

describe('sqlIdent', () => {
  it.each(['events', 'sessions_v2', '_x'])('accepts %s', (name) => expect(sqlIdent(name)).toBe(name));
  it.each(['', '1abc', 'a-b', 'events; DROP TABLE x', 'a.b', '`x`'])('refuses %j', (name) => {
    expect(() => sqlIdent(name)).toThrow(/refusing identifier/);
  });
});

describe('sqlNumber and sqlStringList', () => {
  it('writes finite numbers and refuses the rest', () => {
    expect(sqlNumber(42)).toBe('42');
    expect(() => sqlNumber(NaN)).toThrow();
    expect(() => sqlNumber(Infinity)).toThrow();
  });
  it('quotes each item of a list', () => {
    expect(sqlStringList(['a', "b'"])).toBe("('a', 'b\\'')");
    expect(() => sqlStringList([])).toThrow();
  });
});
