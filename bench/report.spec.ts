import { formatTable, markdownTable, tableRows } from './report';

const level = (c: number, app: number, base: number, p99: number) => ({
  concurrency: c,
  app: [],
  baseline: [],
  appPerSecond: app,
  appP50: 2,
  appP99: p99,
  baselinePerSecond: base,
  baselineP50: 1,
  baselineP99: 3,
  appCpu: { ingestion: 0.8, kafka: 0.4, bench: 0.3 },
  baselineCpu: { baseline: 0.9, bench: 0.5 },
});

describe('report', () => {
  it('judges ingestion at its best level within the p99 bound, against the baseline', () => {
    const rows = tableRows({
      ingestion: [
        {
          workers: 1,
          levels: [level(8, 4000, 9000, 10), level(32, 6000, 10000, 40), level(128, 7000, 11000, 90)],
          appPeakRssMb: 150,
          baselinePeakRssMb: 60,
          kafka: null,
        },
        {
          workers: 2,
          levels: [level(8, 5000, 9000, 10), level(32, 7000, 10000, 60)],
          appPeakRssMb: 120,
          baselinePeakRssMb: 60,
          kafka: null,
        },
      ],
    });
    const best = rows.find((r) => r[0].startsWith('ingestion: best'))!;
    expect(best).toEqual(['ingestion: best level with p99 ≤ 50 ms', '6,000/s (c=32)', '10,000/s', '0.60×', '≥ 5,000/s, ≥ 0.5×', 'met']);
    expect(rows.find((r) => r[0].includes('RSS'))![5]).toBe('met');
    expect(rows.find((r) => r[0] === 'ingestion c=8: server CPU µs per webhook')!.slice(1, 4)).toEqual(['200', '100', '2.00×']);
    // Two workers: their own rows beside the same baseline, judged the same way.
    expect(rows.find((r) => r[0] === 'ingestion (2 workers): best level with p99 ≤ 50 ms')!.slice(1, 6)).toEqual([
      '5,000/s (c=8)',
      '9,000/s',
      '0.56×',
      '≥ 5,000/s, ≥ 0.5×',
      'met',
    ]);
    expect(rows.find((r) => r[0] === 'ingestion (2 workers): peak RSS (VmHWM) of its largest process')![1]).toBe('120 MB');
    expect(rows.find((r) => r[0] === 'ingestion c=8: cores server / Kafka / load gen / machine')!.slice(1, 3)).toEqual([
      '0.80 / 0.40 / 0.30 / —',
      '0.90 / — / 0.50 / —',
    ]);
  });

  it('is short when no level keeps p99 within bounds, or the ratio is below half', () => {
    const none = tableRows({
      ingestion: [{ workers: 1, levels: [level(8, 9000, 9000, 60)], appPeakRssMb: 250, baselinePeakRssMb: 60, kafka: null }],
    });
    expect(none.find((r) => r[0].startsWith('ingestion: best'))![5]).toBe('SHORT');
    expect(none.find((r) => r[0].includes('RSS'))![5]).toBe('SHORT');
    const slow = tableRows({
      ingestion: [{ workers: 1, levels: [level(8, 5000, 20000, 10)], appPeakRssMb: 100, baselinePeakRssMb: 60, kafka: null }],
    });
    expect(slow.find((r) => r[0].startsWith('ingestion: best'))![5]).toBe('SHORT');
  });

  it('judges projector and freshness, and counts unseen events as a miss', () => {
    const rows = tableRows({
      projector: {
        events: 1000,
        perSecond: 60_000,
        secondsFromReady: 1,
        factsSeconds: 0.5,
        secondsFromSpawn: 2,
        reached: 1000,
        baselineRuns: [1],
        baselinePerSecond: 120_000,
        peakRssMb: 300,
        batches: null,
        cpu: {},
        baselineCpu: {},
        clickhouse: {},
        rebuildPerSecond: 4200,
      },
      freshness: {
        rate: 1000,
        seconds: 15,
        sentPerSecond: 1000,
        accepted: 100,
        watched: 100,
        visible: 99,
        latency: { n: 99, p50: 300, p95: 900, p99: 1000, max: 1200 },
        views: {
          invoices: { watched: 4, visible: 4, latency: { n: 4, p50: 700, p95: 1500, p99: 1500, max: 1500 } },
          sessions: { watched: 2, visible: 2, latency: { n: 2, p50: 900, p95: 2500, p99: 2500, max: 2500 } },
          attendance: { watched: 0, visible: 0, latency: { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN } },
        },
        postLatency: { n: 100, p50: 5, p95: 9, p99: 12, max: 20 },
        pollMs: 50,
        ingestionPeakRssMb: 1,
        projectorPeakRssMb: 2,
        cpu: {},
        clickhouse: {},
        postWaits: {
          ingestionLoopDelayP99Ms: 410.1,
          ingestionLoopDelayMaxMs: 900,
          kafkaSendMeanMs: 12.34,
          kafkaSendP99UpToMs: 250,
          runQueueShare: { ingestion: 0.456, bench: null },
          benchLoopDelayP99Ms: 20.04,
        },
      },
    });
    expect(rows[0].slice(1)).toEqual(['60,000', '120,000 rows/s', '0.50×', '≥ 0.5× raw insert', 'met']);
    expect(rows.find((r) => r[0].startsWith('rebuild'))!.slice(1)).toEqual(['4,200', '', '', '≥ 5,000/s', 'SHORT']);
    expect(rows.find((r) => r[0].startsWith('freshness @'))![5]).toBe('SHORT');
    expect(rows.find((r) => r[0].startsWith('freshness: POST waits'))![1]).toBe('410.1 / 900.0; 12.3 / 250');
    // Per view: its own figures and verdict; a view with nothing watched is not called met.
    const view = (name: string) => rows.find((r) => r[0].startsWith(`freshness into ${name} `))!;
    expect([view('invoices')[1], view('invoices')[5]]).toEqual(['700 / 1,500; 4 of 4', 'met']);
    expect(view('sessions')[5]).toBe('SHORT');
    expect(view('attendance')[5]).toBe('SHORT');
    expect(rows.find((r) => r[0].startsWith('freshness: main thread waiting'))![1]).toBe('46 % / —; 20.0');
  });

  it('formats aligned text and Markdown', () => {
    const rows = tableRows({
      ingestion: [{ workers: 1, levels: [level(8, 4000, 9000, 10)], appPeakRssMb: 150, baselinePeakRssMb: 60, kafka: null }],
    });
    const text = formatTable(rows).split('\n');
    expect(text[0]).toMatch(/^measure\s+pipeline\s+baseline/);
    expect(new Set(text.slice(1).map((l) => l.indexOf('  ') > 0))).toEqual(new Set([true]));
    expect(markdownTable(rows).split('\n')).toHaveLength(rows.length + 2);
  });
});
