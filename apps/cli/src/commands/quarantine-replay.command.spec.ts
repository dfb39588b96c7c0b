import { parseSince } from './quarantine-replay.command';

describe('parseSince', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  it.each([
    ['30m', '2026-12-02T09:30:00.000Z'],
    ['12h', '2026-12-01T22:00:00.000Z'],
    ['7d', '2026-11-25T10:00:00.000Z'],
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T08:00Z', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T08:00:00+05:30', '2026-12-01T02:30:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(new Date(parseSince(text, now)).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '5', '10s', '', '2026-13-45'])('refuses %j', (text) => {
    expect(() => parseSince(text, now)).toThrow(/--since .*expected an ISO time/);
  });
});
