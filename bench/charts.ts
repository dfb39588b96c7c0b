import type { FreshnessFigures } from './freshness.bench';
import type { IngestionFigures } from './ingestion.bench';
import type { LoadResult } from './load';
import { percentileChart, type ChartSeries } from './svg-chart';

/** Where the charts go, from the repository's root: docs/benchmarks.md shows them. */
export const CHARTS_DIR = 'docs/benchmarks';

export interface ChartFile {
  name: string;
  svg: string;
}

/** The round whose p99 is the median of the repeats: the one the table's figures describe best. */
function medianRound(rounds: LoadResult[]): LoadResult | undefined {
  return [...rounds].sort((a, b) => a.latency.p99 - b.latency.p99)[Math.floor((rounds.length - 1) / 2)];
}

/** The latency and freshness distributions of a run, as SVG files; only for the phases it ran. */
export function benchCharts(run: string, figures: { ingestion?: IngestionFigures[]; freshness?: FreshnessFigures }): ChartFile[] {
  const out: ChartFile[] = [];
  const f = figures.freshness;
  if (f) {
    const series: ChartSeries[] = [
      { name: 'POST → in events', points: f.latency.curve ?? [] },
      ...Object.entries(f.views).map(([view, v]) => ({ name: `POST → row in ${view}`, points: v.latency.curve ?? [] })),
      { name: 'POST answered', points: f.postLatency.curve ?? [] },
    ].filter((s) => s.points.length > 0);
    out.push({
      name: 'freshness.svg',
      svg: percentileChart({
        title: `Freshness at ${f.rate.toLocaleString('en-US')}/s requested (${Math.round(f.sentPerSecond).toLocaleString('en-US')}/s sent)`,
        subtitle: `run ${run}: from each POST to the event or row being readable`,
        unit: 'ms',
        series,
      }),
    });
  }
  const one = figures.ingestion?.find((i) => i.workers === 1);
  if (one) {
    const series: ChartSeries[] = [];
    for (const level of one.levels) {
      const app = medianRound(level.app);
      const base = medianRound(level.baseline);
      if (app?.latency.curve?.length) series.push({ name: `ingestion c=${level.concurrency}`, points: app.latency.curve });
      if (base?.latency.curve?.length) series.push({ name: `baseline c=${level.concurrency}`, points: base.latency.curve });
    }
    out.push({
      name: 'ingestion-latency.svg',
      svg: percentileChart({
        title: 'Ingestion: POST to 200, by concurrency',
        subtitle: `run ${run}: one process, the round with the median p99 at each level`,
        unit: 'ms',
        series,
      }),
    });
  }
  return out;
}
