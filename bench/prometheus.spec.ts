import { histogram, sumOf } from './prometheus';

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
