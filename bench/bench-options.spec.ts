import { BenchUsageError, parseBenchOptions, PHASES } from './bench-options';

describe('parseBenchOptions', () => {
  it('defaults to every phase at 8, 32 and 128 connections, 3 repeats of 5 s', () => {
    expect(parseBenchOptions([])).toEqual({
      only: PHASES,
      levels: [8, 32, 128],
      durationMs: 5000,
      warmupMs: 2000,
      repeats: 3,
      events: 200_000,
      rate: 1000,
      freshSeconds: 15,
      freshWarmupSeconds: 10,
      cpuProf: false,
      querySizes: [1_000_000, 4_000_000],
      queryRepeats: 9,
      workers: [1, 2],
      appEnv: {},
    });
  });

  it('reads the query sizes and repeats, and refuses sizes that do not grow', () => {
    expect(parseBenchOptions(['--query-sizes', '1000,5000', '--query-repeats=4'])).toMatchObject({
      querySizes: [1000, 5000],
      queryRepeats: 4,
    });
    expect(() => parseBenchOptions(['--query-sizes', '5000,1000'])).toThrow(/--query-sizes: expected growing event counts/);
  });

  it('reads lists, numbers and flags, in both spellings', () => {
    expect(
      parseBenchOptions([
        '--only',
        'ingestion,freshness',
        '--levels=4,16',
        '--duration',
        '3',
        '--cpu-prof',
        '--events=50000',
        '--fresh-warmup',
        '0',
      ]),
    ).toMatchObject({
      freshWarmupSeconds: 0,
      only: ['ingestion', 'freshness'],
      levels: [4, 16],
      durationMs: 3000,
      cpuProf: true,
      events: 50_000,
    });
  });

  it('collects experiment env and worker counts', () => {
    expect(
      parseBenchOptions(['--app-env', 'INGEST_LINGER_MS=5', '--app-env=PROJECTOR_BATCH_WAIT_MS=50', '--workers', '2,4']),
    ).toMatchObject({
      appEnv: { INGEST_LINGER_MS: '5', PROJECTOR_BATCH_WAIT_MS: '50' },
      workers: [2, 4],
    });
  });

  it('has a quick mode that later options refine', () => {
    expect(parseBenchOptions(['--quick', '--repeats', '2'])).toMatchObject({ levels: [8, 32], repeats: 2, events: 30_000 });
  });

  it.each([
    [['--only', 'kafka'], /--only/],
    [['--levels', '8,x'], /--levels/],
    [['--duration', '0'], /--duration/],
    [['--whatever'], /Unknown option '--whatever'/],
    [['ingestion'], /Unexpected argument 'ingestion'/],
    [['--repeats'], /argument missing/],
    [['--app-env', 'lower=1'], /--app-env/],
    [['--workers', '0,1'], /--workers/],
    [['--workers', '2,2'], /--workers/],
  ])('refuses %j, naming the problem', (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });

  it('answers --help with the usage (an empty BenchUsageError)', () => {
    expect(() => parseBenchOptions(['--help'])).toThrow(new BenchUsageError(''));
    expect(() => parseBenchOptions(['--quick', '--nope', '--help'])).toThrow(new BenchUsageError(''));
  });
});
