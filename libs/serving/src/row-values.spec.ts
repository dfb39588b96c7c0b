import { asciiLower, compareBytes, dateTimeText, epochSeconds, minBytes, mondayOf, round2 } from './row-values';

describe('row values as ClickHouse has them', () => {
  it('orders strings by their UTF-8 bytes, where UTF-16 order differs', () => {
    // U+FF21 (fullwidth A) is EF BC A1 in UTF-8; U+1F600 is F0 9F 98 80: the emoji comes after.
    expect(compareBytes('\uff21', '😀')).toBeLessThan(0);
    expect('\uff21' < '😀').toBe(false);
    expect(compareBytes('ab', 'abc')).toBeLessThan(0);
    expect(compareBytes('b', 'abc')).toBeGreaterThan(0);
    expect(compareBytes('x', 'x')).toBe(0);
    expect(minBytes('😀', '\uff21')).toBe('\uff21');
  });

  it('lower-cases ASCII letters only, as lower() does', () => {
    expect(asciiLower('ANA Émile')).toBe('ana Émile');
  });

  it('rounds to two decimals half away from zero, as 18.16 does', () => {
    expect(round2(0.125)).toBe(0.13);
    expect(round2(500 / 60)).toBe(8.33);
    expect(round2(3250 / 60)).toBe(54.17);
  });

  it('reads and writes DateTime text, and finds the Monday of a day', () => {
    expect(epochSeconds('2026-12-09 10:00:05')).toBe(Date.UTC(2026, 11, 9, 10, 0, 5) / 1000);
    expect(dateTimeText(Date.UTC(2026, 11, 9, 10, 0, 5) / 1000)).toBe('2026-12-09 10:00:05');
    expect(mondayOf('2026-12-09')).toBe('2026-12-07');
    expect(mondayOf('2026-12-07')).toBe('2026-12-07');
    expect(mondayOf('2026-12-13')).toBe('2026-12-07');
  });
});
