import { buckets, histogram, quantileBound, sumOf } from './prometheus';

const text = `# HELP x_total help
x_total{outcome="ok",app="a"} 3
x_total{outcome="failed",app="a"} 2
x_total_extra{app="a"} 100
x_seconds_sum{outcome="ok",app="a"} 0.5
x_seconds_sum{outcome="failed",app="a"} 0.25
x_seconds_count{outcome="ok",app="a"} 10
x_seconds_count{outcome="failed",app="a"} 5
x_other 7
`;

describe('prometheus text', () => {
  it('sums a metric over its label sets (app label included), not a longer name, and reads histograms', () => {
    expect(sumOf(text, 'x_total')).toBe(5);
    expect(sumOf(text, 'x_other')).toBe(7);
    expect(sumOf(text, 'missing')).toBe(0);
    expect(histogram(text, 'x_seconds')).toEqual({ sum: 0.75, count: 15 });
  });
});

describe('histogram buckets', () => {
  const at = (ok: number[], failed: number[]) =>
    ['0.01', '0.1', '1', '+Inf']
      .map(
        (le, i) => `h_seconds_bucket{outcome="ok",le="${le}",app="a"} ${ok[i]}\nh_seconds_bucket{le="${le}",outcome="failed"} ${failed[i]}`,
      )
      .join('\n');

  it('sums buckets over label sets and bounds a quantile of what was observed between two scrapes', () => {
    const before = buckets(at([1, 1, 1, 1], [0, 0, 0, 0]), 'h_seconds');
    expect(before.get(Infinity)).toBe(1);
    const after = buckets(at([50, 90, 99, 101], [0, 0, 0, 0]), 'h_seconds');
    // 100 new observations: 49 ≤ 10 ms, 89 ≤ 100 ms, 98 ≤ 1 s, 100 in all.
    expect(quantileBound(before, after, 0.5)).toBe(0.1);
    expect(quantileBound(before, after, 0.98)).toBe(1);
    expect(quantileBound(before, after, 0.99)).toBe(Infinity);
    expect(quantileBound(after, after, 0.99)).toBeNull();
  });
});
