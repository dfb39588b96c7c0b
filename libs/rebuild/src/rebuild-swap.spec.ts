import { remainingRenames, SwapStateError } from './rebuild-swap';

// Which of t, t__rebuild and t__old exist says how far a table's swap got.
describe('remainingRenames', () => {
  const cases: Array<[string, string[], Array<[string, string]> | 'error']> = [
    [
      'not begun',
      ['t', 't__rebuild'],
      [
        ['t', 't__old'],
        ['t__rebuild', 't'],
      ],
    ],
    ['live moved aside, rebuilt copy not in yet', ['t__rebuild', 't__old'], [['t__rebuild', 't']]],
    ['swapped, old copy still there', ['t', 't__old'], []],
    ['swapped and old copy dropped', ['t'], []],
    ['only the rebuilt copy (live lost)', ['t__rebuild'], [['t__rebuild', 't']]],
    ['all three: cannot tell which is which', ['t', 't__rebuild', 't__old'], 'error'],
    ['only the old copy', ['t__old'], 'error'],
    ['nothing at all', [], 'error'],
  ];
  it.each(cases)('%s', (_, existing, expected) => {
    const exists = (name: string) => existing.includes(name);
    if (expected === 'error') {
      expect(() => remainingRenames('t', exists)).toThrow(SwapStateError);
      expect(() => remainingRenames('t', exists)).toThrow(/rename by hand so that t holds the data to keep/);
    } else {
      expect(remainingRenames('t', exists)).toEqual(expected);
    }
  });
});
