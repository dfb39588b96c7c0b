import { histogram, sumOf } from './prometheus';

const text = `# HELP x_total help
x_total{outcome="ok"} 3
x_total{outcome="failed"} 2
x_seconds_sum{outcome="ok"} 0.5
x_seconds_sum{outcome="failed"} 0.25
x_seconds_count{outcome="ok"} 10
x_seconds_count{outcome="failed"} 5
x_other 7
`;

describe('prometheus text', () => {
  it('sums a metric over its label sets, and reads histograms', () => {
    expect(sumOf(text, 'x_total')).toBe(5);
    expect(sumOf(text, 'x_other')).toBe(7);
    expect(sumOf(text, 'missing')).toBe(0);
    expect(histogram(text, 'x_seconds')).toEqual({ sum: 0.75, count: 15 });
  });
});
