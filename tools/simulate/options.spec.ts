import { parseOptions, UsageError } from './options';

describe('parseOptions', () => {
  it('applies defaults', () => {
    const o = parseOptions(['--out', '/tmp/x']);
    expect(o).toMatchObject({
      mode: { kind: 'out', dir: '/tmp/x' },
      institutes: 3,
      weeks: 4,
      classrooms: 4,
      students: 25,
      seed: '1',
      rate: 200,
      concurrency: 16,
      prefix: 'sim',
      limit: 0,
    });
    expect(o.startMs).toBe(Date.UTC(2024, 5, 3));
  });

  it('reads --name value and --name=value', () => {
    const o = parseOptions(['--send=http://127.0.0.1:3000', '--rate', '50', '--concurrency=4', '--seed', 'abc', '--institutes', '10']);
    expect(o).toMatchObject({
      mode: { kind: 'send', url: 'http://127.0.0.1:3000' },
      rate: 50,
      concurrency: 4,
      seed: 'abc',
      institutes: 10,
    });
  });

  it.each([
    [[], /exactly one of --send/],
    [['--out', 'a', '--send', 'http://x'], /exactly one of --send/],
    [['--out', 'a', '--institutes', '0'], /--institutes: expected a whole number/],
    [['--out', 'a', '--rate', 'fast'], /--rate: expected a whole number/],
    [['--out', 'a', '--colour', 'red'], /Unknown option '--colour'/],
    [['--out', 'a', 'extra'], /Unexpected argument 'extra'/],
    [['--send', 'ftp://x'], /--send: expected an http:\/\/ URL/],
    [['--out', 'a', '--prefix', 'Bad_Prefix'], /--prefix/],
    [['--out', 'a', '--start', '3 June'], /--start/],
    [['--out'], /--out <value>' argument missing/],
  ])('refuses %j, naming the problem', (argv, message) => {
    expect(() => parseOptions(argv as string[])).toThrow(UsageError);
    expect(() => parseOptions(argv as string[])).toThrow(message);
  });

  it('answers --help with the usage (an empty UsageError), whatever else is on the line', () => {
    for (const argv of [['--help'], ['--out', 'a', '--help'], ['--colour', '-h']]) {
      expect(() => parseOptions(argv)).toThrow(new UsageError(''));
    }
  });
});
