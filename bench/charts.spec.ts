import { benchCharts } from './charts';
import type { FreshnessFigures } from './freshness.bench';
import type { IngestionFigures } from './ingestion.bench';
import { latencySummary } from './stats';

const lat = (...ms: number[]) => latencySummary(ms);
const round = (concurrency: number, ...ms: number[]) => ({ concurrency, seconds: 5, okPerSecond: 1000, latency: lat(...ms), errors: {} });

describe('benchCharts', () => {
  it('draws only the phases the run measured', () => {
    expect(benchCharts('r1', {})).toEqual([]);
  });

  it('draws freshness per destination and ingestion per level, from the run', () => {
    const freshness = {
      rate: 1000,
      sentPerSecond: 919,
      latency: lat(300, 400, 700),
      postLatency: lat(20, 90, 450),
      views: { invoices: { watched: 3, visible: 3, latency: lat(1600, 3800) } },
    } as unknown as FreshnessFigures;
    const ingestion = [
      {
        workers: 1,
        levels: [{ concurrency: 32, app: [round(32, 4, 29), round(32, 5, 40), round(32, 4, 20)], baseline: [round(32, 1, 4)] }],
      },
    ] as unknown as IngestionFigures[];
    const charts = benchCharts('mx1', { freshness, ingestion });
    expect(charts.map((c) => c.name)).toEqual(['freshness.svg', 'ingestion-latency.svg']);
    const [fresh, ingest] = charts.map((c) => c.svg);
    for (const text of ['run mx1', 'POST → in events', 'POST → row in invoices', 'POST answered', '919/s sent'])
      expect(fresh).toContain(text);
    for (const text of ['ingestion c=32', 'baseline c=32']) expect(ingest).toContain(text);
    // The median round by p99 (29 ms, not 20 or 40) is the one drawn.
    expect(ingest.match(/<polyline/g)).toHaveLength(2);
    expect(ingest).toContain('>30<'); // the axis reaches the 29 ms of that round, not 40
    expect(ingest).not.toContain('>40<');
  });
});
