export { WISE_EVENT_NAMES, isWiseEventName, type WiseEventName } from './event-names';
export { WISE_EVENT_SCHEMAS, type WiseEventBody } from './wise-event-schemas';
export { parseWiseBody, type EventLinks, type ParsedWiseBody, type ParseResult } from './parse-wise-body';
export { implausibleTime, parseWiseTime } from './wise-time';
export { inMeetingEventTs } from './meeting.schemas';
