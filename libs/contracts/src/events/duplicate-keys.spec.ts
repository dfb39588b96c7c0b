import { duplicateKeyReason, findDuplicateKey, keyCountUpperBound } from './duplicate-keys';

/** The keys JSON.parse kept (one per repeated name). */
function keysKept(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + keysKept(x), 0);
  if (v && typeof v === 'object') return Object.keys(v).reduce((n, k) => n + 1 + keysKept((v as Record<string, unknown>)[k]), 0);
  return 0;
}

/** A small deterministic PRNG, so that a failing case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ['a', 'b', 'event', '__proto__', ':x', 'q"uote', 'back\\slash', 'é', '🎓', ''];

/** A random JSON text, and whether it repeats a key in some object (by construction). */
function randomBody(rand: () => number, repeat: boolean): string {
  const space = () => (rand() < 0.3 ? ' \n\t'.slice(0, 1 + Math.floor(rand() * 3)) : '');
  const str = (s: string) => {
    const plain = JSON.stringify(s);
    // Some keys written with \u escapes: "a" and "\u0061" are the same key.
    return rand() < 0.3 && s === 'a' ? '"\\u0061"' : plain;
  };
  let repeated = false;
  const value = (depth: number): string => {
    const r = rand();
    if (depth > 3 || r < 0.3)
      return [JSON.stringify(':"x": 1'), '12', 'null', JSON.stringify('09:15:22Z'), JSON.stringify('x":y'), JSON.stringify('\\')][
        Math.floor(rand() * 6)
      ];
    if (r < 0.5) return `[${Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1)).join(',')}]`;
    const keys = [...new Set(Array.from({ length: Math.floor(rand() * 4) }, () => NAMES[Math.floor(rand() * NAMES.length)]))];
    if (repeat && !repeated && keys.length > 0 && rand() < 0.4) {
      keys.splice(Math.floor(rand() * (keys.length + 1)), 0, keys[Math.floor(rand() * keys.length)]);
      repeated = true;
    }
    return `{${keys.map((k) => `${space()}${str(k)}${space()}:${space()}${value(depth + 1)}`).join(',')}}`;
  };
  const text = value(0);
  // No object happened to get the repeat: wrap the body in one that has it.
  return repeat && !repeated ? `{"wrap":${text},"wrap":1}` : text;
}

describe('duplicate keys', () => {
  it('never counts fewer keys than the text writes, and exactly as many in ordinary bodies', () => {
    const ordinary = '{"event":"X","payload":{"at":"2024-06-04T13:30:00Z","url":"https://x/y","list":[{"a":1},{"a":2}]}}';
    expect(keyCountUpperBound(ordinary)).toBe(7);
    expect(keyCountUpperBound('{ "a" \n :1, "b"\t: { "c" :2 } }')).toBe(3);
    // A string starting with ':' or an escaped quote before a colon may count too many (only ever that).
    expect(keyCountUpperBound('{"a":":b","c":"x\\":y"}')).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['{"a":1,"a":2}', 'a', []],
    ['{"a":1,"\\u0061":2}', 'a', []],
    ['{"event":"A","payload":{},"event":"B"}', 'event', []],
    ['{"p":{"s":[{"x":1},{"y":1, "y" :2}]}}', 'y', ['p', 's', 1]],
    ['{"q\\"k":1,"q\\"k":2}', 'q"k', []],
    ['{"__proto__":{},"__proto__":{}}', '__proto__', []],
  ])('finds the repeated key in %s', (text, key, path) => {
    expect(findDuplicateKey(text)).toEqual({ key, path });
  });

  it.each([
    ['the same key in sibling objects', '{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}'],
    ['keys that only look alike', '{"a":1,"A":2,"a ":3,"\\u0062":4}'],
    ['a repeat inside a string', '{"a":"{\\"a\\":1,\\"a\\":2}"}'],
    ['strings starting with a colon', '{"a":":","b":":a"}'],
  ])('finds nothing in %s', (_case, text) => {
    expect(findDuplicateKey(text)).toBeNull();
  });

  it('agrees with the construction on 3,000 random bodies (escapes, spacing, colons in strings)', () => {
    const rand = prng(21);
    for (let i = 0; i < 3000; i++) {
      const repeat = i % 2 === 0;
      const text = randomBody(rand, repeat);
      // Written = kept, plus the one repeat the construction added.
      expect(keyCountUpperBound(text)).toBeGreaterThanOrEqual(keysKept(JSON.parse(text)) + (repeat ? 1 : 0));
      expect({ text, found: findDuplicateKey(text) !== null }).toEqual({ text, found: repeat });
    }
  });

  it('names the key and where it is, never a value, and cuts long names', () => {
    expect(duplicateKeyReason({ key: 'name', path: ['payload', 'student'] })).toBe(
      'key "name" appears more than once in payload.student (JSON readers disagree on which value counts)',
    );
    expect(duplicateKeyReason({ key: 'event', path: [] })).toMatch(/^key "event" appears more than once in the body/);
    expect(duplicateKeyReason({ key: 'k'.repeat(5000), path: ['p'.repeat(5000)] }).length).toBeLessThan(500);
  });
});
