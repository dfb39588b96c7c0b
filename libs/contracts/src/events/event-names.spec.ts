import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isWiseEventName, WISE_EVENT_NAMES } from './event-names';

describe('WISE_EVENT_NAMES', () => {
  // Counted from the list itself: adding an event is a change to the list, not to this test.
  it('lists distinct names, each a fixture in libs/testing/fixtures/wise', () => {
    expect(new Set(WISE_EVENT_NAMES).size).toBe(WISE_EVENT_NAMES.length);
    const fixtures = readdirSync(join(__dirname, '..', '..', '..', 'testing', 'fixtures', 'wise')).map((f) => f.replace(/\.json$/, ''));
    expect(fixtures.sort()).toEqual([...WISE_EVENT_NAMES].sort());
  });

  it("keeps Wise's own spelling of the sharing-started event", () => {
    expect(WISE_EVENT_NAMES).toContain('SharingStaredInMeetingEvent');
    expect(WISE_EVENT_NAMES).not.toContain('SharingStartedInMeetingEvent');
  });
});

describe('isWiseEventName', () => {
  it.each([
    ['MeetingStartedEvent', true],
    ['SharingStaredInMeetingEvent', true],
    ['SessionsDeletedEvent', true],
    ['SharingStartedInMeetingEvent', false],
    ['meetingStartedEvent', false],
    ['MeetingStartedEvent ', false],
    ['', false],
    ['toString', false],
    ['__proto__', false],
    [42, false],
    [null, false],
  ])('%p -> %p', (name, expected) => {
    expect(isWiseEventName(name)).toBe(expected);
  });
});
