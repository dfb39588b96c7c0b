import { kernelShare, type ClickHouseCounters } from './clickhouse-counters';
import type { FreshnessFigures } from './freshness.bench';
import type { PurgeFigures } from './purge.bench';
import type { RoundCostFigures } from './round-cost.bench';
import type { IngestionFigures } from './ingestion.bench';
import type { ProjectorFigures } from './projector.bench';
import type { QueriesFigures } from './queries.bench';

export interface Figures {
  /** One per INGEST_WORKERS measured (1 first), all beside the same baseline runs. */
  ingestion?: IngestionFigures[];
  projector?: ProjectorFigures;
  freshness?: FreshnessFigures;
  queries?: QueriesFigures;
  rounds?: RoundCostFigures;
  purge?: PurgeFigures;
}

/** The targets of the issue; each row of the table says whether it is met. */
export const TARGETS = {
  ingestionPerSecond: 5000,
  ingestionP99Ms: 50,
  ingestionVsBaseline: 0.5,
  projectorRatio: 0.5,
  clickhouseCoresPer1k: 0.5,
  freshnessP95Ms: 2000,
  ingestionRssMb: 200,
  queryP95Ms: 300,
  /** Dashboard queries while roster and fee bursts are refreshed (issue 17). */
  churnP95Ms: 300,
  rebuildPerSecond: 5000,
  queryGrowth: 1.3,
};

export type TableRow = [measure: string, pipeline: string, baseline: string, ratio: string, target: string, verdict: string];

const n = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || Number.isNaN(v)
    ? '—'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const pct = (share: number | null) => (share === null ? '—' : `${n(100 * share)} %`);
const verdict = (ok: boolean) => (ok ? 'met' : 'SHORT');

/** The one table of the run: each figure beside its baseline and its target. */
export function tableRows(f: Figures): TableRow[] {
  const rows: TableRow[] = [];
  const t = TARGETS;
  for (const ing of f.ingestion ?? []) {
    const who = ing.workers > 1 ? `ingestion (${ing.workers} workers)` : 'ingestion';
    for (const l of ing.levels) {
      rows.push([
        `${who} c=${l.concurrency}: accepted/s`,
        n(l.appPerSecond),
        n(l.baselinePerSecond),
        ratio(l.appPerSecond, l.baselinePerSecond),
        '',
        '',
      ]);
      rows.push([
        `${who} c=${l.concurrency}: p50 / p99 ms`,
        `${n(l.appP50, 1)} / ${n(l.appP99, 1)}`,
        `${n(l.baselineP50, 1)} / ${n(l.baselineP99, 1)}`,
        '',
        '',
        '',
      ]);
      const appUs = (1e6 * (l.appCpu.ingestion ?? NaN)) / l.appPerSecond;
      const baseUs = (1e6 * (l.baselineCpu.baseline ?? NaN)) / l.baselinePerSecond;
      rows.push([`${who} c=${l.concurrency}: server CPU µs per webhook`, n(appUs), n(baseUs), ratio(appUs, baseUs), '', '']);
      rows.push([
        `${who} c=${l.concurrency}: cores server / Kafka / load gen / machine`,
        `${n(l.appCpu.ingestion, 2)} / ${n(l.appCpu.kafka, 2)} / ${n(l.appCpu.bench, 2)} / ${n(l.appCpu.machine, 2)}`,
        `${n(l.baselineCpu.baseline, 2)} / — / ${n(l.baselineCpu.bench, 2)} / ${n(l.baselineCpu.machine, 2)}`,
        '',
        '',
        '',
      ]);
    }
    const within = ing.levels.filter((l) => l.appP99 <= t.ingestionP99Ms).sort((a, b) => b.appPerSecond - a.appPerSecond)[0];
    rows.push([
      `${who}: best level with p99 ≤ 50 ms`,
      within ? `${n(within.appPerSecond)}/s (c=${within.concurrency})` : 'none',
      within ? `${n(within.baselinePerSecond)}/s` : '—',
      within ? ratio(within.appPerSecond, within.baselinePerSecond) : '—',
      `≥ ${n(t.ingestionPerSecond)}/s, ≥ ${t.ingestionVsBaseline}×`,
      verdict(
        !!within && within.appPerSecond >= t.ingestionPerSecond && within.appPerSecond >= t.ingestionVsBaseline * within.baselinePerSecond,
      ),
    ]);
    const rss = ing.appPeakRssMb;
    rows.push([
      ing.workers > 1 ? `${who}: peak RSS (VmHWM) of its largest process` : `${who}: peak RSS (VmHWM)`,
      `${n(rss)} MB`,
      `${n(ing.baselinePeakRssMb)} MB`,
      '',
      `< ${t.ingestionRssMb} MB`,
      verdict(rss !== null && rss < t.ingestionRssMb),
    ]);
  }
  if (f.projector) {
    const p = f.projector;
    rows.push([
      `projector: events/s to queryable, serving rows included (${n(p.events)})`,
      n(p.perSecond),
      `${n(p.baselinePerSecond)} rows/s`,
      ratio(p.perSecond, p.baselinePerSecond),
      `≥ ${t.projectorRatio}× raw insert`,
      verdict(p.reached >= p.events && p.perSecond >= t.projectorRatio * p.baselinePerSecond),
    ]);
    rows.push([
      'projector: seconds from ready to facts / to serving current / from spawn',
      `${n(p.factsSeconds, 1)} / ${n(p.secondsFromReady, 1)} / ${n(p.secondsFromSpawn, 1)}`,
      `${n(p.events / p.baselinePerSecond, 1)}`,
      '',
      '',
      '',
    ]);
    rows.push(['projector: peak RSS (VmHWM)', `${n(p.peakRssMb)} MB`, '', '', '', '']);
    if (p.rebuildPerSecond !== undefined)
      rows.push([
        'rebuild (cli, facts and serving rows of the same events): events/s',
        n(p.rebuildPerSecond),
        '',
        '',
        `≥ ${n(t.rebuildPerSecond)}/s`,
        verdict(p.rebuildPerSecond !== null && p.rebuildPerSecond >= t.rebuildPerSecond),
      ]);
    rows.push([
      'projector: cores projector / ClickHouse / Kafka / bench / machine',
      [p.cpu.projector, p.cpu.clickhouse, p.cpu.kafka, p.cpu.bench, p.cpu.machine].map((v) => n(v, 2)).join(' / '),
      ['—', n(p.baselineCpu.clickhouse, 2), '—', n(p.baselineCpu.bench, 2), n(p.baselineCpu.machine, 2)].join(' / '),
      '',
      '',
      '',
    ]);
    rows.push(['projector: ClickHouse INSERTs/s, MB buffers per INSERT, kernel share', clickhouseLine(p.clickhouse), '', '', '', '']);
  }
  if (f.freshness) {
    const x = f.freshness;
    rows.push([
      `freshness @ ${n(x.rate)}/s (sent ${n(x.sentPerSecond)}/s): p50 / p95 ms`,
      `${n(x.latency.p50)} / ${n(x.latency.p95)}`,
      '',
      '',
      `p95 ≤ ${n(t.freshnessP95Ms)} ms`,
      verdict(x.visible >= x.watched && x.latency.p95 <= t.freshnessP95Ms),
    ]);
    rows.push([
      'freshness: p99 / max ms; visible of watched (accepted)',
      `${n(x.latency.p99)} / ${n(x.latency.max)}; ${n(x.visible)} of ${n(x.watched)} (${n(x.accepted)})`,
      '',
      '',
      '',
      '',
    ]);
    for (const [view, v] of Object.entries(x.views ?? {})) {
      rows.push([
        `freshness into ${view} (POST to row in the view, polled every 250 ms): p50 / p95 ms; visible of watched`,
        `${n(v.latency.p50)} / ${n(v.latency.p95)}; ${n(v.visible)} of ${n(v.watched)}`,
        '',
        '',
        `p95 ≤ ${n(t.freshnessP95Ms)} ms`,
        verdict(v.watched > 0 && v.latency.p95 <= t.freshnessP95Ms),
      ]);
    }
    if (x.warmup) {
      const w = x.warmup;
      rows.push([
        `freshness, warm-up before it: ${n(w.seconds, 1)} s from the apps' cold start (sent ${n(w.sentPerSecond)}/s), other institutes; not judged`,
        '',
        '',
        '',
        '',
        '',
      ]);
      for (const [view, v] of Object.entries(w.views))
        rows.push([
          `freshness into ${view} during the warm-up: p50 / p95 ms; visible of watched`,
          `${n(v.latency.p50)} / ${n(v.latency.p95)}; ${n(v.visible)} of ${n(v.watched)}`,
          '',
          '',
          '',
          '',
        ]);
    }
    rows.push(['freshness: POST answered p50 / p99 ms', `${n(x.postLatency.p50, 1)} / ${n(x.postLatency.p99, 1)}`, '', '', '', '']);
    const w = x.postWaits;
    if (w) {
      rows.push([
        'freshness: POST waits: ingestion event-loop delay p99 / max ms; Kafka send mean / p99 ≤ ms',
        `${n(w.ingestionLoopDelayP99Ms, 1)} / ${n(w.ingestionLoopDelayMaxMs, 1)}; ${n(w.kafkaSendMeanMs, 1)} / ${n(w.kafkaSendP99UpToMs)}`,
        '',
        '',
        '',
        '',
      ]);
      rows.push([
        'freshness: main thread waiting for a CPU, ingestion / bench (sender); bench event-loop delay p99 ms',
        `${pct(w.runQueueShare.ingestion)} / ${pct(w.runQueueShare.bench)}; ${n(w.benchLoopDelayP99Ms, 1)}`,
        '',
        '',
        '',
        '',
      ]);
    }
    rows.push(['freshness: peak RSS ingestion / projector', `${n(x.ingestionPeakRssMb)} / ${n(x.projectorPeakRssMb)} MB`, '', '', '', '']);
    rows.push([
      'freshness: cores ingestion / projector / Kafka / ClickHouse / machine',
      [x.cpu.ingestion, x.cpu.projector, x.cpu.kafka, x.cpu.clickhouse, x.cpu.machine].map((v) => n(v, 2)).join(' / '),
      '',
      '',
      '',
      '',
    ]);
    rows.push(['freshness: ClickHouse INSERTs/s, MB buffers per INSERT, kernel share', clickhouseLine(x.clickhouse), '', '', '', '']);
    // Per 1,000 events/s actually sent: on a saturated machine the requested rate is not reached.
    const perK = (v: number | undefined) => ((v ?? NaN) * 1000) / x.sentPerSecond;
    // The server's cores count the bench's own polls of `events` and the views too: the target is
    // judged on the pipeline's share, the whole shown beside it.
    const watching = x.clickhouseWatchingCores;
    const pipelineCores = typeof watching === 'number' ? x.cpu.clickhouse - watching : x.cpu.clickhouse;
    rows.push([
      "freshness: ClickHouse cores / INSERTs/s per 1,000 events/s sent (cores less the bench's polls; with them)",
      `${n(perK(pipelineCores), 2)} / ${n(perK(x.clickhouse.InsertQuery), 1)} (${n(perK(x.cpu.clickhouse), 2)})`,
      '',
      '',
      `cores ≤ ${t.clickhouseCoresPer1k}`,
      verdict(perK(pipelineCores) <= t.clickhouseCoresPer1k),
    ]);
  }
  if (f.queries && f.queries.sizes.length > 0) rows.push(...queryRows(f.queries));
  if (f.rounds && f.rounds.sizes.length === 2) {
    const [a, b] = f.rounds.sizes;
    const ratio = (x: number, y: number) => (y > 0 ? x / y : NaN);
    rows.push([
      `round for the last ${n(f.rounds.lastEvents)} deliveries, ${b.weeks} vs ${a.weeks} weeks of history: rows read / written`,
      `${n(b.readRows)} / ${n(b.writtenRows)}`,
      `${n(a.readRows)} / ${n(a.writtenRows)}`,
      `${ratio(b.readRows, a.readRows).toFixed(2)}× / ${ratio(b.writtenRows, a.writtenRows).toFixed(2)}×`,
      `≤ ${TARGETS.queryGrowth}× (flat)`,
      verdict(ratio(b.readRows, a.readRows) <= TARGETS.queryGrowth && ratio(b.writtenRows, a.writtenRows) <= TARGETS.queryGrowth),
    ]);
    rows.push([
      `round: statements, ms (${b.weeks} vs ${a.weeks} weeks)`,
      `${b.statements}, ${n(b.ms)}`,
      `${a.statements}, ${n(a.ms)}`,
      '',
      '',
      '',
    ]);
  }
  if (f.purge) {
    const p = f.purge;
    const dead = p.stores.reduce((s, x) => s + x.rowsRemoved, 0);
    const all = p.stores.reduce((s, x) => s + x.rowsBefore, 0);
    rows.push([
      `purge of dead keys, ${p.weeks} weeks (${n(p.events)} events through live rounds): rows removed of the tombstoned stores', ms`,
      `${n(dead)} of ${n(all)}, ${n(p.purgeMs)} ms`,
      '',
      '',
      'views unchanged',
      verdict(p.viewsUnchanged),
    ]);
    rows.push([
      'attendance by student, median ms: after the purge / before (baseline)',
      n(p.queryAfterMs, 1),
      n(p.queryBeforeMs, 1),
      `${(p.queryAfterMs / p.queryBeforeMs).toFixed(2)}×`,
      '',
      '',
    ]);
  }
  return rows;
}

/**
 * Each query's p50 / p95 at the largest store (pipeline) beside the same query at the smallest
 * (baseline, same run): the ratio is the growth of the median as the store grew.
 */
function queryRows(q: QueriesFigures): TableRow[] {
  const small = q.sizes[0];
  const large = q.sizes[q.sizes.length - 1];
  const rows: TableRow[] = [
    [
      `queries: store size (events, institutes)`,
      `${n(large.events)}, ${large.institutes}`,
      `${n(small.events)}, ${small.institutes}`,
      ratio(large.events, small.events),
      '',
      '',
    ],
  ];
  for (const [i, t] of large.timings.entries()) {
    const b = small.timings[i];
    const growth = t.p50Ms / b.p50Ms;
    const ok = t.p95Ms <= TARGETS.queryP95Ms && (growth <= TARGETS.queryGrowth || t.p50Ms - b.p50Ms < 5);
    rows.push([
      `query ${t.query}: p50 / p95 ms`,
      `${n(t.p50Ms, 1)} / ${n(t.p95Ms, 1)}`,
      `${n(b.p50Ms, 1)} / ${n(b.p95Ms, 1)}`,
      ratio(t.p50Ms, b.p50Ms),
      `p95 ≤ ${TARGETS.queryP95Ms}, ≤ ${TARGETS.queryGrowth}×`,
      verdict(ok),
    ]);
  }
  if (q.churn) {
    const c = q.churn;
    rows.push([
      `queries during churn: refresh rounds (roster and fee bursts), p50 / p95 ms`,
      `${c.rounds} rounds, ${n(c.events)} events; ${n(c.roundP50Ms)} / ${n(c.roundP95Ms)}`,
      '',
      '',
      '',
      '',
    ]);
    // Beside the same query at the same size with nothing else running.
    for (const t of c.timings.filter((x) => x.query.startsWith('dashboard') || x.query.startsWith('group'))) {
      const quiet = large.timings.find((x) => x.query === t.query);
      rows.push([
        `query ${t.query} during churn: p50 / p95 ms`,
        `${n(t.p50Ms, 1)} / ${n(t.p95Ms, 1)}`,
        quiet ? `${n(quiet.p50Ms, 1)} / ${n(quiet.p95Ms, 1)}` : '',
        quiet ? ratio(t.p95Ms, quiet.p95Ms) : '',
        `p95 ≤ ${TARGETS.churnP95Ms}`,
        verdict(t.p95Ms <= TARGETS.churnP95Ms),
      ]);
    }
  }
  return rows;
}

/** INSERT statements per second, I/O buffer MB allocated per INSERT (merges included), kernel share of query CPU. */
function clickhouseLine(c: ClickHouseCounters): string {
  const perInsert = (c.IOBufferAllocBytes ?? NaN) / (c.InsertQuery ?? NaN) / 2 ** 20;
  return `${n(c.InsertQuery)}, ${n(perInsert)} MB, ${n(100 * kernelShare(c))} % sys`;
}

/** Fixed-width text table with a header and a rule. */
export function formatTable(rows: TableRow[]): string {
  const all: string[][] = [['measure', 'pipeline', 'baseline', 'ratio', 'target', 'verdict'], ...rows];
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** The same table as Markdown, for docs/benchmarks.md. */
export function markdownTable(rows: TableRow[]): string {
  const head = '| measure | pipeline | baseline | ratio | target | verdict |\n|---|---:|---:|---:|---|---|';
  return [head, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
