import { isWiseEventName, WISE_EVENT_NAMES } from './event-names';

describe('WISE_EVENT_NAMES', () => {
  it('lists 19 distinct names', () => {
    expect(WISE_EVENT_NAMES).toHaveLength(19);
    expect(new Set(WISE_EVENT_NAMES).size).toBe(19);
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
