import { percentileChart, tickStep } from './svg-chart';

const chart = percentileChart({
  title: 'Freshness <at> 1,000/s',
  subtitle: 'run x & y',
  unit: 'ms',
  series: [
    {
      name: 'POST → events',
      points: [
        [50, 400],
        [95, 700],
        [100, 900],
      ],
    },
    {
      name: 'POST → "invoices"',
      points: [
        [50, 1600],
        [95, 3800],
        [100, 4100],
      ],
    },
  ],
});

const polylines = [...chart.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));

describe('percentileChart', () => {
  it('is one SVG document whose tags all close', () => {
    expect(chart.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
    const opened = [...chart.matchAll(/<([a-z]+)(?:\s[^>]*)?(?<!\/)>/g)].map((m) => m[1]);
    const closed = [...chart.matchAll(/<\/([a-z]+)>/g)].map((m) => m[1]);
    expect(opened.sort()).toEqual(closed.sort());
  });

  it('draws each series through its points: higher values higher up, percentiles left to right', () => {
    expect(polylines).toHaveLength(2);
    for (const line of polylines) {
      expect(line).toHaveLength(3);
      expect(line[0][0]).toBeLessThan(line[1][0]);
      expect(line[1][0]).toBeLessThan(line[2][0]);
      expect(line[0][1]).toBeGreaterThan(line[2][1]); // SVG's y grows downwards
    }
    expect(polylines[1][2][1]).toBeLessThan(polylines[0][2][1]);
  });

  it('labels the percentiles, the axis and the legend, escaping text', () => {
    for (const text of [
      '>p50<',
      '>p95<',
      '>max<',
      '>ms<',
      'Freshness &lt;at&gt; 1,000/s',
      'run x &amp; y',
      'POST → &quot;invoices&quot;',
      '>5000<',
    ]) {
      expect(chart).toContain(text);
    }
  });

  it('steps its axis by 1, 2 or 5 times a power of ten', () => {
    expect([tickStep(4100), tickStep(683), tickStep(0), tickStep(9)]).toEqual([1000, 200, 1, 2]);
  });
});
