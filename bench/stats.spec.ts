import { latencySummary, median, percentile, Samples } from './stats';

describe('stats', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[7], 99, 7],
    [[1, 2], 0, 1],
  ])('percentile(%j, %d) = %d', (xs, p, want) => {
    expect(percentile(xs, p)).toBe(want);
  });

  it('percentile of nothing is NaN', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[], NaN],
  ])('median(%j) = %d', (xs, want) => {
    expect(median(xs)).toEqual(want);
  });

  it('summarizes latencies whatever their order', () => {
    const s = new Samples();
    for (let i = 100; i >= 1; i--) s.push(i);
    expect(latencySummary(s.values())).toEqual({
      n: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      curve: [
        [10, 10],
        [25, 25],
        [50, 50],
        [75, 75],
        [90, 90],
        [95, 95],
        [99, 99],
        [99.9, 100],
        [100, 100],
      ],
    });
    expect(latencySummary([]).curve).toEqual([]);
  });
});
