import { implausibleTime, parseWiseTime } from './wise-time';

const MS = Date.UTC(2024, 5, 4, 13, 30, 12, 345); // 2024-06-04T13:30:12.345Z

describe('parseWiseTime', () => {
  it.each<[string, unknown, number | null]>([
    ['ISO with Z and millis', '2024-06-04T13:30:12.345Z', MS],
    ['ISO with Z, no millis', '2024-06-04T13:30:12Z', MS - 345],
    ['ISO with microseconds', '2024-06-04T13:30:12.345678Z', MS + 1],
    ['ISO with offset', '2024-06-04T19:00:12.345+05:30', MS],
    ['ISO with compact offset', '2024-06-04T19:00:12.345+0530', MS],
    ['ISO with negative offset', '2024-06-04T09:30:12.345-04:00', MS],
    ['ISO without zone is UTC', '2024-06-04T13:30:12.345', MS],
    ['ISO without seconds', '2024-06-04T13:30Z', Date.UTC(2024, 5, 4, 13, 30)],
    ['ISO with space separator', '2024-06-04 13:30:12.345Z', MS],
    ['ISO date only', '2024-06-04', Date.UTC(2024, 5, 4)],
    ['ISO 24:00 end of day', '2024-06-04T24:00:00Z', Date.UTC(2024, 5, 5)],
    ['surrounding whitespace', ' 2024-06-04T13:30:12.345Z ', MS],
    ['epoch ms number', MS, MS],
    ['epoch seconds number', MS / 1000, MS],
    ['epoch seconds integer', 1717507812, MS - 345],
    ['epoch ms as digit string', String(MS), MS],
    ['epoch seconds as digit string', '1717507812', MS - 345],
    ['fractional epoch ms is rounded', MS + 0.6, MS + 1],
    ['impossible date', '2024-02-30T00:00:00Z', null],
    ['impossible month', '2024-13-01', null],
    ['impossible hour', '2024-06-04T25:00:00Z', null],
    ['impossible minute', '2024-06-04T13:60:00Z', null],
    ['non-ISO date text', 'June 4, 2024', null],
    ['garbage', 'yesterday', null],
    ['empty string', '', null],
    ['zero', 0, null],
    ['negative', -5, null],
    ['NaN', Number.NaN, null],
    ['Infinity', Number.POSITIVE_INFINITY, null],
    ['beyond Date range', 9e15, null],
    ['null', null, null],
    ['undefined', undefined, null],
    ['boolean', true, null],
    ['object', { seconds: 1717507812 }, null],
    ['Date instance is not JSON', new Date(MS), null],
  ])('%s', (_label, input, expected) => {
    expect(parseWiseTime(input)).toBe(expected);
  });

  it('reads numbers from 1e11 up as ms and below it as seconds', () => {
    expect(parseWiseTime(1e11)).toBe(1e11);
    expect(parseWiseTime(0xffffffff)).toBe(0xffffffff * 1000);
    // 1e11 - 1 seconds is the year 5138: read as seconds, and refused as beyond DateTime's 2106.
    expect(parseWiseTime(1e11 - 1)).toBeNull();
  });
});

describe('implausibleTime', () => {
  const NOW = Date.UTC(2026, 0, 1);
  const DAY = 24 * 60 * 60 * 1000;

  it.each<[string, number, 'happened' | 'planned', RegExp | null]>([
    ['2000-01-01 exactly', Date.UTC(2000, 0, 1), 'happened', null],
    ['a millisecond before 2000', Date.UTC(2000, 0, 1) - 1, 'happened', /before 2000-01-01/],
    ['epoch 1 s', 1000, 'planned', /before 2000-01-01/],
    ['45 days ahead, happened', NOW + 45 * DAY, 'happened', null],
    ['45 days and a second ahead, happened', NOW + 45 * DAY + 1000, 'happened', /more than 45 days in the future/],
    ['45 days and a second ahead, planned', NOW + 45 * DAY + 1000, 'planned', null],
    ['2106, planned', Date.UTC(2106, 0, 1), 'planned', null],
  ])('%s', (_label, ms, kind, expected) => {
    const why = implausibleTime(ms, kind, NOW);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });
});
