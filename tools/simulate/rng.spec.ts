import { Rng } from './rng';

describe('Rng', () => {
  it('repeats for the same seed and stream, and differs otherwise', () => {
    const seq = (r: Rng) => Array.from({ length: 20 }, () => r.next());
    expect(seq(new Rng('a'))).toEqual(seq(new Rng('a')));
    expect(seq(new Rng('a'))).not.toEqual(seq(new Rng('b')));
    expect(seq(new Rng('a', 'x'))).not.toEqual(seq(new Rng('a', 'y')));
  });

  it.each([
    ['int stays in [min, max]', (r: Rng) => r.int(3, 7), (v: number) => v >= 3 && v <= 7 && Number.isInteger(v)],
    ['next stays in [0, 1)', (r: Rng) => r.next(), (v: number) => v >= 0 && v < 1],
    ['around stays clamped', (r: Rng) => r.around(5, 10, 0, 8), (v: number) => v >= 0 && v <= 8],
  ])('%s', (_name, draw, ok) => {
    const r = new Rng('range');
    for (let i = 0; i < 5000; i++) expect(ok(draw(r))).toBe(true);
  });

  it('makes hex and alphanumeric strings of the asked length', () => {
    const r = new Rng('s');
    expect(r.hex(24)).toMatch(/^[0-9a-f]{24}$/);
    expect(r.alnum(22)).toMatch(/^[A-Za-z0-9]{22}$/);
  });

  it('samples distinct items', () => {
    const r = new Rng('sample');
    const s = r.sample([1, 2, 3, 4, 5, 6], 4);
    expect(new Set(s).size).toBe(4);
    expect(r.sample([1, 2], 5).sort()).toEqual([1, 2]);
  });
});
