import { epochSeconds } from './row-values';
import { rosterOf, type RosterFact, type SuspensionFact } from './roster-rows';
import type { SessionRow } from './session-rows';

// Physics meets on Wednesday 9 and Thursday 10 December 2026, 10:00–11:00 UTC.
const WED = epochSeconds('2026-12-09 10:00:00');
const THU = epochSeconds('2026-12-10 10:00:00');
const HOUR = 3600;

const session = (session_id: string, start: number, over: Partial<SessionRow> = {}): SessionRow => ({
  institute_id: 'i',
  session_id,
  classroom_id: 'physics',
  title: 'Optics',
  meeting_status: null,
  session_type: null,
  teacher_id: null,
  scheduled_start: start,
  scheduled_end: start + HOUR,
  scheduled_minutes: 60,
  created_at: null,
  is_deleted: 0,
  is_cancelled: 0,
  actual_start: start + 300,
  actual_end: null,
  actual_minutes: null,
  local_day: new Date(start * 1000).toISOString().slice(0, 10),
  ...over,
});

let events = 0;
const member = (member_id: string, action: string, atS: number, over: Partial<RosterFact> = {}): RosterFact => ({
  institute_id: 'i',
  classroom_id: 'physics',
  member_id,
  event_id: `e${++events}`,
  at_ms: atS * 1000,
  action,
  member_name: '',
  member_email: '',
  ...over,
});

const suspension = (student_id: string, atS: number, suspended: number): SuspensionFact => ({
  institute_id: 'i',
  classroom_id: 'physics',
  student_id,
  at_ms: atS * 1000,
  suspended,
});

const sessions = [
  // Ended at 10:40 after starting at 10:05: judged on the 35 minutes it ran.
  session('wed', WED, { actual_end: WED + 40 * 60 }),
  session('thu', THU),
  session('cancelled', THU, { is_cancelled: 1 }),
  session('not-held', THU, { actual_start: null }),
  session('chemistry', THU, { classroom_id: 'chemistry' }),
];

const roster: RosterFact[] = [
  member('ana', 'added', WED - 24 * HOUR, { member_name: 'Ana', member_email: 'ana@x.com' }),
  // A later fact with an email and no name: the email changes, the name stays.
  member('ana', 'added', WED - HOUR, { member_email: 'ana@new.com' }),
  member('ben', 'added', WED - 24 * HOUR, { member_name: 'Ben' }),
  // Removed at Wednesday's start itself: not enrolled then.
  member('ben', 'removed', WED),
  // Added and removed in the same millisecond: the removal wins.
  member('carl', 'added', WED - 2 * HOUR, { member_name: 'Carl' }),
  member('carl', 'removed', WED - 2 * HOUR),
  member('carl', 'added', THU - HOUR),
  member('dee', 'added', WED - 24 * HOUR, { member_name: 'Dee' }),
  // Added ten seconds after Wednesday's start; two names in one millisecond: the larger event id's.
  member('eve', 'added', WED + 10, { event_id: 'x-b', member_name: 'Eve B' }),
  member('eve', 'added', WED + 10, { event_id: 'x-a', member_name: 'Eve A' }),
];

const suspensions: SuspensionFact[] = [
  suspension('dee', WED - HOUR, 1),
  suspension('dee', WED + HOUR, 0),
  // Suspended and lifted in the same millisecond: the suspension wins.
  suspension('eve', THU - HOUR, 0),
  suspension('eve', THU - HOUR, 1),
  // Suspended, never enrolled: no row.
  suspension('zed', WED - HOUR, 1),
];

const summary = (rows: ReturnType<typeof rosterOf>) =>
  rows.map((r) => [r.session_id, r.student_id, r.student_name, r.student_email, r.suspended, r.class_seconds].join(' ')).sort();

describe('rosterOf', () => {
  it('enrols the students whose latest membership fact at each attended session’s start added them', () => {
    expect(summary(rosterOf(sessions, roster, suspensions))).toEqual([
      'thu ana Ana ana@new.com 0 3600',
      'thu carl Carl  0 3600',
      'thu dee Dee  0 3600',
      'thu eve Eve B  1 3600',
      'wed ana Ana ana@new.com 0 2100',
      'wed dee Dee  1 2100',
    ]);
  });

  it('gives each row its session’s schedule, as the attendance rows show it', () => {
    const [row] = rosterOf([sessions[0]], roster, suspensions).filter((r) => r.student_id === 'ana');
    expect(row).toEqual({
      institute_id: 'i',
      session_id: 'wed',
      classroom_id: 'physics',
      title: 'Optics',
      scheduled_start: '2026-12-09 10:00:00',
      scheduled_seconds: 3600,
      local_day: '2026-12-09',
      student_id: 'ana',
      student_name: 'Ana',
      student_email: 'ana@new.com',
      suspended: 0,
      class_seconds: 2100,
    });
  });

  it('gives the same rows whatever the order of the sessions and facts', () => {
    const expected = summary(rosterOf(sessions, roster, suspensions));
    expect(summary(rosterOf([...sessions].reverse(), [...roster].reverse(), [...suspensions].reverse()))).toEqual(expected);
  });

  it('takes the students of the classroom a session is in now, and none of a session without a start', () => {
    const moved = session('thu', THU, { classroom_id: 'chemistry' });
    expect(rosterOf([moved], roster, suspensions)).toEqual([]);
    expect(rosterOf([session('thu', THU, { scheduled_start: null })], roster, suspensions)).toEqual([]);
  });
});
